"""A connection's writes held to the end of the event loop's turn, so a small answer is one write.

uvicorn's httptools cycle writes an answer's head (status line and headers) when the app
sends `http.response.start`, and its body in a second `transport.write` when the app sends
`http.response.body`: two syscalls and, with TCP_NODELAY, two segments for a 400-byte
answer, which cost about a third of a line-status answer's CPU (docs/benchmarks.md). This
transport holds one write until the next write on the connection, or until the end of the
loop's current turn, whichever comes first: an app's `await send(start); await send(body)`
runs within one turn (neither send suspends unless the socket is full), so head and body go
out together. Nothing waits longer than that turn, so a streamed body's head is not held
back behind a slow first chunk, a HEAD or 204/304 answer (head only) still goes out, and
the order of bytes on the connection is the order they were written.
"""

from __future__ import annotations

import asyncio
from typing import Any


class CoalescingTransport:
    """Wraps a connection's transport; everything but write and close passes straight through."""

    __slots__ = ("_flush_scheduled", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._flush_scheduled = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:  # the second write of the turn: both go out as one
            self._held = None
            self._transport.write(held + data)
        elif self._transport.is_closing():
            self._transport.write(data)  # as the plain transport would (it drops it)
        else:
            self._held = bytes(data)
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self._loop.call_soon(self._flush_later)

    def _flush_later(self) -> None:
        self._flush_scheduled = False
        self.flush()

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held)

    def close(self) -> None:
        self.flush()  # what was written before close goes out before the FIN
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        held = self._held
        return self._transport.get_write_buffer_size() + (len(held) if held is not None else 0)

    def __getattr__(self, name: str) -> Any:  # pause_reading, resume_reading, set_protocol...
        return getattr(self._transport, name)
