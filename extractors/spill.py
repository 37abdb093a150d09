"""An append-only byte buffer that spills to an unnamed scratch file, and fixed-width records on top of it:
what the corpus audit keeps per figure stays on disk, not in memory, however large the corpus."""
from __future__ import annotations

import os
import struct
import tempfile

BUFFER = 1 << 16  # bytes kept in memory before they are written out


class Spill:
    """Bytes appended and read back by offset; with a folder ``spill`` all but the last ``BUFFER`` bytes or
    so live in an unnamed scratch file there (deleted on close), without one everything stays in memory."""

    def __init__(self, spill: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=spill, prefix="reportminer-audit-") if spill is not None else None
        self._buffer = bytearray()
        self._written = 0  # bytes in the scratch file; the buffer holds the ones after them
        self.size = 0

    def write(self, data: bytes) -> int:
        """Append ``data``; return the offset it starts at."""
        start = self.size
        self._buffer += data
        self.size += len(data)
        if self._file is not None and len(self._buffer) >= BUFFER:
            self._file.write(self._buffer)
            self._file.flush()
            self._written += len(self._buffer)
            self._buffer = bytearray()
        return start

    def read(self, start: int, stop: int) -> bytes:
        """The bytes ``start:stop``."""
        if start >= self._written:
            return bytes(self._buffer[start - self._written:stop - self._written])
        head = os.pread(self._file.fileno(), min(stop, self._written) - start, start)
        return head + bytes(self._buffer[:max(0, stop - self._written)])

    def close(self) -> None:
        """Let the bytes go (and delete the scratch file)."""
        if self._file is not None:
            self._file.close()
        self._buffer, self._written, self.size = bytearray(), 0, 0


class SpilledRecords:
    """Records of one ``struct`` format appended to a ``Spill`` and read back by number."""

    def __init__(self, layout: str, spill: str | None = None) -> None:
        self._struct = struct.Struct(layout)
        self._bytes = Spill(spill)
        self.count = 0

    def append(self, *values) -> int:
        """Append one record; return its number."""
        self._bytes.write(self._struct.pack(*values))
        self.count += 1
        return self.count - 1

    def __getitem__(self, number: int) -> tuple:
        start = number * self._struct.size
        return self._struct.unpack(self._bytes.read(start, start + self._struct.size))

    def close(self) -> None:
        self._bytes.close()
        self.count = 0
