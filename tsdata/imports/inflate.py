"""Read a deflated zip member with ISA-L's inflate (python-isal), about twice as fast
as zlib's.

Inflating is one of the largest single costs of the NC loads, which keep both cores busy
(docs/benchmarks.md, "Measurements behind code choices"). The reader checks the
member's CRC-32 and size at its end like ``zipfile`` does, so a damaged archive fails
the import the same way; members it does not handle (stored, encrypted) and machines
without python-isal use ``zipfile`` itself.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

try:
    from isal import isal_zlib
except ImportError:  # pragma: no cover - python-isal is in requirements/base.txt
    isal_zlib = None

COMPRESSED_BLOCK = 1 << 18
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def zip_member_open(archive: zipfile.ZipFile, name: str) -> BinaryIO:
    """A binary stream of ``name`` in ``archive`` (opened from a path)."""
    info = archive.getinfo(name)
    if (
        isal_zlib is None
        or info.compress_type != zipfile.ZIP_DEFLATED
        or info.flag_bits & 0x1  # encrypted
        or not isinstance(archive.filename, str)
    ):
        return archive.open(name)
    return _InflatingReader(archive.filename, info)


class _InflatingReader(io.RawIOBase):
    def __init__(self, path: str, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._name = info.filename
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        try:
            self._file.seek(info.header_offset)
            header = self._file.read(_LOCAL_HEADER.size)
            if len(header) != _LOCAL_HEADER.size:
                raise zipfile.BadZipFile(f"{self._name}: truncated local header")
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
            if signature != _LOCAL_SIGNATURE:
                raise zipfile.BadZipFile(f"{self._name}: bad local header")
            self._file.seek(name_length + extra_length, io.SEEK_CUR)
        except BaseException:
            self._file.close()
            raise
        self._compressed_left = info.compress_size
        self._expected_crc = info.CRC
        self._expected_size = info.file_size
        self._inflater = isal_zlib.decompressobj(-15)
        self._crc = 0
        self._size = 0
        self._buffer = b""
        self._offset = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while part := self.read(1 << 20):
                parts.append(part)
            return b"".join(parts)
        while self._offset >= len(self._buffer):
            if self._done:
                return b""
            self._refill()
        chunk = self._buffer[self._offset:self._offset + size]
        self._offset += len(chunk)
        return chunk

    def readinto(self, target) -> int:
        chunk = self.read(len(target))
        target[:len(chunk)] = chunk
        return len(chunk)

    def _refill(self) -> None:
        if self._compressed_left > 0:
            data = self._file.read(min(COMPRESSED_BLOCK, self._compressed_left))
            if not data:
                raise zipfile.BadZipFile(f"{self._name}: the archive is truncated")
            self._compressed_left -= len(data)
            try:
                output = self._inflater.decompress(data)
            except isal_zlib.error as exc:
                raise zipfile.BadZipFile(
                    f"{self._name}: the compressed data are damaged ({exc})"
                ) from exc
        else:
            output = self._inflater.flush()
            self._done = True
            if not self._inflater.eof:
                raise zipfile.BadZipFile(f"{self._name}: the compressed data end early")
        self._crc = isal_zlib.crc32(output, self._crc)
        self._size += len(output)
        self._buffer, self._offset = output, 0
        if self._done and (self._crc != self._expected_crc
                           or self._size != self._expected_size):
            raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {self._name!r}")

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()
