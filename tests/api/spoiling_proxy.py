"""A `FaultServer` handler that passes every request on to a real deployment (the sandbox) and spoils its
snapshot downloads (`/api/export/zip/...`) on demand: the faults a deployment behind a bad network or disk
shows that the emulator itself never does. The sync WebSocket is not offered, so clients poll."""

from __future__ import annotations

import httpx
from fault_server import Reply, Request, Reset, error_reply

_NOT_FORWARDED = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding", "upgrade"}
_NOT_RETURNED = {"content-length", "connection", "transfer-encoding", "content-encoding", "keep-alive"}
ZIP_ROUTE = "/api/export/zip/"


class SpoilingProxy:
    """`spoil`: None (pass everything), "corrupt" (bytes of every ZIP download flipped), "drop" (every ZIP
    download's connection reset before an answer) or "drop_mid_once" (the first ZIP download's connection
    reset after half its body; later ones pass). `downloads` counts the ZIP requests, `ranges` the Range
    header each of them carried (None without)."""

    def __init__(self, upstream: str, spoil: str | None = None):
        self.upstream = upstream.rstrip("/")
        self.spoil = spoil
        self.downloads = 0
        self.ranges: list[str | None] = []

    async def __call__(self, request: Request) -> Reply | Reset:
        if request.route == "/api/sync":
            return error_reply(404, "NotFound", "No WebSocket here.")
        is_zip = request.route.startswith(ZIP_ROUTE)
        self.downloads += is_zip
        if is_zip:
            self.ranges.append(request.headers.get("range"))
        if is_zip and self.spoil == "drop":
            return Reset()
        headers = {k: v for k, v in request.headers.items() if k not in _NOT_FORWARDED}
        async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
            answer = await client.request(
                request.method, self.upstream + request.path, headers=headers, content=request.body
            )
        body = answer.content
        if is_zip and self.spoil == "corrupt" and answer.status_code in (200, 206) and len(body) > 64:
            middle = len(body) // 3
            body = body[:middle] + bytes(b ^ 0xA5 for b in body[middle : middle + 16]) + body[middle + 16 :]
        returned = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_RETURNED}
        if is_zip and self.spoil == "drop_mid_once" and self.downloads == 1 and request.method == "GET":
            return Reply(answer.status_code, body, returned, truncate_at=len(body) // 2)
        return Reply(answer.status_code, body, returned)
