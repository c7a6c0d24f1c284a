"""Log lines written once per event-loop turn, not once per line.

The access line is one record per answer, and logging's StreamHandler flushes after every
record: a `write` syscall per answer, on top of the record itself (the whole line was 40-45 us
of a line-status answer's 158 us of server CPU under wrk; docs/benchmarks.md, "The answer's
bookkeeping once per turn"). This handler keeps the lines of one turn of the event loop and
writes them at the end of that turn (as web/coalesce.py does for an answer's head and body),
so a worker answering many requests a turn makes one write for all their lines.

- Nothing waits longer than the turn: a line logged while no loop runs in the thread (start
  up, shut down, another thread) is written at once, with whatever is held.
- Each write is at most PIPE_BUF bytes and ends at a line's end, so lines of two workers
  sharing one pipe (journald, a container's log) never interleave inside a line, as with one
  write per line; a longer line goes alone, as before.
- `flush()` writes what is held (logging.shutdown calls it); a worker killed mid-turn loses at
  most that turn's lines.
"""

from __future__ import annotations

import logging
import select
from typing import TextIO

from vaxbook.turn_end import EndOfTurn

PIPE_BUF = getattr(select, "PIPE_BUF", 4096)  # the bytes one write to a pipe delivers whole
HELD_AT_MOST = 64 * 1024  # a turn that logs more than this writes early


class TurnBufferedHandler(logging.StreamHandler[TextIO]):
    """A StreamHandler whose lines leave at the end of the event loop's turn."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._held: list[str] = []
        self._held_size = 0
        self._end_of_turn = EndOfTurn(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001  # as StreamHandler.emit: a bad record is reported, never raised
            self.handleError(record)
            return
        self.write_line(line)

    def write_line(self, line: str) -> None:
        """Hold one formatted line (no terminator) for the end of the turn; what emit does after
        formatting, for a caller that formats its own line (the access line, web/observe.py)."""
        with self.lock:  # type: ignore[union-attr]  # a Handler's lock exists once created
            line += self.terminator
            self._held.append(line)
            self._held_size += len(line)
            if self._held_size > HELD_AT_MOST:
                self.flush()
            else:
                self._end_of_turn.schedule()

    def flush(self) -> None:
        """Write every held line, in chunks of whole lines of at most PIPE_BUF bytes."""
        with self.lock:  # type: ignore[union-attr]
            held, self._held, self._held_size = self._held, [], 0
            if not held:
                return
            try:
                encoding = getattr(self.stream, "encoding", None) or "utf-8"
                errors = getattr(self.stream, "errors", None) or "strict"
                for chunk in _chunks(held, encoding, errors):
                    self.stream.write(chunk)
                    self.stream.flush()
            except Exception:  # noqa: BLE001  # a closed or broken stream: reported, never raised
                self.handleError(logging.makeLogRecord({"msg": "log lines lost: the stream failed"}))


def _chunks(lines: list[str], encoding: str = "utf-8", errors: str = "strict") -> list[str]:
    """The lines joined into as few strings as fit PIPE_BUF bytes each (a longer line alone), in
    the stream's encoding: Korean text written as ASCII escapes is twice its UTF-8 length."""
    chunks: list[str] = []
    part: list[str] = []
    size = 0
    for line in lines:
        length = len(line) if line.isascii() else len(line.encode(encoding, errors))
        if part and size + length > PIPE_BUF:
            chunks.append("".join(part))
            part, size = [], 0
        part.append(line)
        size += length
    if part:
        chunks.append("".join(part))
    return chunks
