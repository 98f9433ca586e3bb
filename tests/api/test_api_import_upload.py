"""The multipart upload loop on its own: parts in order of the chosen size, a BOM stripped, the CLI's
part-count rule, formats from extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.api.deployment.import_upload import BOM, MAX_PARTS, import_format, part_size_for, upload_file


class Recorder:
    """Stands in for the deployment: records what an upload sends."""

    def __init__(self):
        self.parts: list[tuple[int, bytes]] = []
        self.finished: dict = {}

    async def start_upload(self) -> str:
        return "token-1"

    async def upload_part(self, upload_token: str, part_number: int, data: bytes) -> str:
        self.parts.append((part_number, data))
        return f"part-{part_number}"

    async def finish_upload(self, upload_token, part_tokens, **spec) -> str:
        self.finished = {"token": upload_token, "parts": part_tokens, **spec}
        return "import-1"


async def test_parts_in_order_with_the_bom_stripped(tmp_path):
    path = tmp_path / "rows.jsonl"
    body = b"".join(b'{"n": %d}\n' % i for i in range(1000))
    path.write_bytes(BOM + body)
    seen = []
    recorder = Recorder()
    import_id = await upload_file(
        recorder,
        path,
        table="rows",
        mode="append",
        part_size=1000,
        progress=lambda sent, total: seen.append((sent, total)),
    )
    assert import_id == "import-1"
    assert [n for n, _ in recorder.parts] == list(range(1, len(recorder.parts) + 1))
    assert b"".join(data for _, data in recorder.parts) == body
    assert all(len(data) == 1000 for _, data in recorder.parts[1:-1])
    assert seen[-1] == (len(BOM) + len(body),) * 2
    assert recorder.finished == {
        "token": "token-1",
        "parts": [f"part-{n}" for n, _ in recorder.parts],
        "format": "jsonLines",
        "mode": "append",
        "table": "rows",
        "component_path": None,
    }


async def test_exact_multiples_and_empty_files(tmp_path):
    exact = tmp_path / "exact.zip"
    exact.write_bytes(b"x" * 3000)
    recorder = Recorder()
    await upload_file(recorder, exact, part_size=1000)
    assert [len(d) for _, d in recorder.parts] == [1000, 1000, 1000]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    recorder = Recorder()
    await upload_file(recorder, empty, table="t")
    assert recorder.parts == [(1, b"")]


def test_rules():
    assert part_size_for(10, 5 << 20) == 5 << 20
    assert part_size_for(100_000 * (5 << 20), 5 << 20) * MAX_PARTS >= 100_000 * (5 << 20)
    assert import_format(Path("a.JSON"), None) == "jsonArray"
    assert import_format(Path("x.bin"), "jsonl") == "jsonLines"
    with pytest.raises(ValueError):
        import_format(Path("x.bin"), None)


async def test_arguments_are_checked_before_anything_is_sent(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(b"PK")
    recorder = Recorder()
    with pytest.raises(ValueError):
        await upload_file(recorder, path, table="users")
    with pytest.raises(ValueError):
        await upload_file(recorder, path, mode="overwrite")
    assert recorder.parts == []
