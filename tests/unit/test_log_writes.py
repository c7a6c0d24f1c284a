"""Log lines leave once per event-loop turn (vaxbook/log_writes.py), whole, in order, none held back."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from vaxbook.log_writes import PIPE_BUF, TurnBufferedHandler


class CountedStream(io.StringIO):
    """A real text stream that also keeps each write it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, TurnBufferedHandler, CountedStream]]:
    """A logger of its own whose one handler is a TurnBufferedHandler writing the bare message."""
    stream = CountedStream()
    handler = TurnBufferedHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(f"test.log_writes.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield logger, handler, stream
    logger.removeHandler(handler)


async def test_the_lines_of_one_turn_leave_together_at_its_end(
    logged: tuple[logging.Logger, TurnBufferedHandler, CountedStream],
) -> None:
    """Thirty lines logged in one turn are not written until the turn ends, then in one write, in order."""
    logger, _, stream = logged
    for i in range(30):
        logger.info("line %d", i)
    assert stream.writes == []
    await asyncio.sleep(0)  # the turn ends
    await asyncio.sleep(0)
    assert len(stream.writes) == 1
    assert stream.getvalue() == "".join(f"line {i}\n" for i in range(30))


def test_a_line_logged_with_no_loop_running_is_written_at_once(
    logged: tuple[logging.Logger, TurnBufferedHandler, CountedStream],
) -> None:
    """Start-up and shut-down lines (no event loop in the thread) are not held for a turn that never comes."""
    logger, _, stream = logged
    logger.info("starting")
    assert stream.getvalue() == "starting\n"


def test_each_write_is_whole_lines_of_at_most_pipe_buf_bytes(
    logged: tuple[logging.Logger, TurnBufferedHandler, CountedStream],
) -> None:
    """Held lines leave in writes that end at a line's end and fit PIPE_BUF (two workers' lines on
    one pipe never mix inside a line); a line longer than that goes alone; nothing is reordered."""
    logger, handler, stream = logged
    lines = [f"{i:03d} " + "가" * 60 for i in range(200)]
    lines.insert(100, "x" * (3 * PIPE_BUF))

    async def burst() -> None:
        for line in lines:
            logger.info(line)
        handler.flush()

    asyncio.run(burst())
    assert "".join(stream.writes) == "".join(line + "\n" for line in lines)
    assert len(stream.writes) > 3
    for write in stream.writes:
        assert write.endswith("\n")
        assert len(write.encode()) <= PIPE_BUF or write.count("\n") == 1


def test_lines_held_by_a_loop_that_stopped_are_not_lost(
    logged: tuple[logging.Logger, TurnBufferedHandler, CountedStream],
) -> None:
    """A loop that stops before its turn's flush runs does not keep the lines: the next line (here,
    with no loop) writes them first, and a new loop's lines are flushed by that loop."""
    logger, _, stream = logged
    loop = asyncio.new_event_loop()

    async def log_then_stop() -> None:
        logger.info("in the first loop")
        asyncio.get_running_loop().stop()

    task = loop.create_task(log_then_stop())
    loop.run_forever()  # runs the task's one step; stops before the scheduled flush
    loop.close()
    assert task.done() and stream.getvalue() == ""
    logger.info("after the loop")
    assert stream.getvalue() == "in the first loop\nafter the loop\n"

    async def in_a_new_loop() -> None:
        logger.info("in a new loop")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(in_a_new_loop())
    assert stream.getvalue().endswith("after the loop\nin a new loop\n")


def test_flush_writes_what_is_held(logged: tuple[logging.Logger, TurnBufferedHandler, CountedStream]) -> None:
    """flush() (logging.shutdown calls it at exit) writes the held lines without waiting for the turn."""
    logger, handler, stream = logged

    async def log_and_flush() -> str:
        logger.info("held")
        before = stream.getvalue()
        handler.flush()
        return before

    assert asyncio.run(log_and_flush()) == ""
    assert stream.getvalue() == "held\n"


def test_writes_fit_pipe_buf_in_the_streams_own_encoding() -> None:
    """On a stream that writes Korean as ASCII escapes (six bytes a letter, not UTF-8's three), each
    write still fits PIPE_BUF bytes as the stream encodes it."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace", write_through=True)
    sizes: list[int] = []

    handler = TurnBufferedHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    original = stream.write

    def write(text: str) -> int:
        sizes.append(len(text.encode("ascii", "backslashreplace")))
        return original(text)

    stream.write = write  # type: ignore[method-assign]  # the real stream, each write's size noted
    logger = logging.getLogger(f"test.log_writes.ascii.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    async def burst() -> None:
        for i in range(100):
            logger.info("%03d %s", i, "가" * 60)
        handler.flush()

    asyncio.run(burst())
    logger.removeHandler(handler)
    assert len(sizes) > 1 and max(sizes) <= PIPE_BUF
    assert raw.getvalue().decode("ascii").count("\n") == 100
