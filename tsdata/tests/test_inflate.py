"""The ISA-L zip member reader gives zipfile's bytes and fails like it on damage."""

from __future__ import annotations

import random
import zipfile

import pytest

from tsdata.imports import inflate
from tsdata.imports.inflate import zip_member_open


def _archive(path, data: bytes, *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("before.txt", b"x" * 1000)
        archive.writestr("Stop.txt", data)
        archive.writestr("after.txt", b"y")
    return path


def _data() -> bytes:
    generator = random.Random(7)
    lines = [b"%d\tRaleigh\t2020-01-01 10:00:00\t%d" % (number, generator.randrange(10))
             for number in range(120_000)]
    return b"\n".join(lines) + b"\n"


def test_reads_what_zipfile_reads_in_any_block_size(tmp_path, monkeypatch):
    monkeypatch.setattr(inflate, "COMPRESSED_BLOCK", 4096)  # many refills
    data = _data()
    path = _archive(tmp_path / "a.zip", data)
    with zipfile.ZipFile(path) as archive:
        stream = zip_member_open(archive, "Stop.txt")
        assert isinstance(stream, inflate._InflatingReader)
        with stream:
            parts = []
            while part := stream.read(65_537):
                parts.append(part)
        assert b"".join(parts) == data
        with zip_member_open(archive, "Stop.txt") as stream:
            assert stream.read() == data
        with zip_member_open(archive, "after.txt") as stream:
            assert stream.read(10) == b"y" and stream.read(10) == b""


def test_a_stored_member_goes_through_zipfile(tmp_path):
    path = _archive(tmp_path / "a.zip", b"1\t2\n", compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as archive, zip_member_open(archive, "Stop.txt") as stream:
        assert not isinstance(stream, inflate._InflatingReader)
        assert stream.read() == b"1\t2\n"


def _damaged(tmp_path, name: str, change) -> zipfile.ZipFile:
    path = _archive(tmp_path / name, _data())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("Stop.txt")
    raw = bytearray(path.read_bytes())
    change(raw, info)
    path.write_bytes(bytes(raw))
    return zipfile.ZipFile(path)


def _read_all(archive: zipfile.ZipFile) -> None:
    with zip_member_open(archive, "Stop.txt") as stream:
        while stream.read(1 << 16):
            pass


def test_a_wrong_crc_fails_like_zipfile(tmp_path):
    def crc_flip(raw, info):  # the CRC in the member's central directory entry
        position = raw.find(b"PK\x01\x02")
        while raw[position + 46:position + 46 + len("Stop.txt")] != b"Stop.txt":
            position = raw.find(b"PK\x01\x02", position + 1)
        raw[position + 16] ^= 0xFF

    archive = _damaged(tmp_path, "crc.zip", crc_flip)
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        _read_all(archive)
    with pytest.raises(zipfile.BadZipFile, match="CRC"), archive.open("Stop.txt") as stream:
        stream.read()


def test_corrupt_compressed_data_fails(tmp_path):
    def scramble(raw, info):
        start = info.header_offset + 30 + len("Stop.txt") + 1000
        for offset in range(start, start + 200):
            raw[offset] ^= 0x5A

    archive = _damaged(tmp_path, "bad.zip", scramble)
    with pytest.raises(zipfile.BadZipFile, match="Stop.txt"):
        _read_all(archive)
