"""Snapshot ZIPs for the file-service tests (no tests here): demo tables plus `_storage` files, written by
the app's own writer, and ways to damage them."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import uuid
import zipfile
from pathlib import Path

from tui.archive.ids import encode_id
from tui.archive.writer import SnapshotWriter
from tui.emulator.demo.data import TABLES, channels, messages, users

STORAGE_NUMBER = 540
NAME = "snapshot_test-deployment-1_1712345678901234567.zip"


def storage_id(n: int) -> str:
    return encode_id(STORAGE_NUMBER, n.to_bytes(16, "big"))


def sample_zip(
    *, files: int = 3, file_size: int = 200_000, documents: int = 300, seed: int = 7, bad_sha_for: int | None = None
) -> bytes:
    """Demo tables and `files` random storage files (incompressible, so the ZIP is about that big)."""
    rng = random.Random(seed)
    blobs = {storage_id(i + 1): rng.randbytes(file_size) for i in range(files)}
    raw = io.BytesIO()
    with SnapshotWriter(raw) as writer:
        writer.write_tables_index("", TABLES.items())
        with writer.open_table("", "users") as table:
            for document in users(20):
                table.write_document(document)
        with writer.open_table("", "channels") as table:
            for document in channels(5, users_count=20):
                table.write_document(document)
        with writer.open_table("", "messages") as table:
            for document in messages(documents, users_count=20, channels_count=5):
                table.write_document(document)
        if blobs:
            entries = []
            for index, (sid, data) in enumerate(blobs.items()):
                digest = hashlib.sha256(data + (b"x" if index == bad_sha_for else b"")).digest()
                entries.append(
                    {
                        "_id": sid,
                        "_creationTime": 1712345678000.5,
                        "sha256": base64.b64encode(digest).decode(),
                        "size": len(data),
                        "contentType": "application/octet-stream",
                        "internalId": str(uuid.UUID(int=index + 1)),
                    }
                )
            writer.write_storage_index("", entries)
            for sid, data in blobs.items():
                writer.write_storage_file("", sid, None, [data])
    return raw.getvalue()


def damage_member(data: bytes, member_prefix: str, *, at: int = 1000) -> bytes:
    """Flip one byte inside the stored data of the first entry whose name starts with `member_prefix`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith(member_prefix) and i.compress_size > at)
    # the local header's extra field may differ from the central one: read its length there
    name_at = data.index(info.filename.encode(), info.header_offset)
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = name_at + len(info.filename.encode()) + extra_length + at
    damaged = bytearray(data)
    damaged[start] ^= 0xFF
    return bytes(damaged)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
