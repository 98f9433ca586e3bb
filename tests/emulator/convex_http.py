"""Small helpers for talking to an emulated deployment in tests (the client layer comes later)."""

from __future__ import annotations

from typing import Any

import httpx

from tui.values.encoding import decode_encoded_value, encode_json_value


def call(client: httpx.Client, kind: str, path: str, args: dict[str, Any] | None = None) -> Any:
    """Run a query or mutation; return its decoded value or raise AssertionError with the function error."""
    body = {"path": path, "args": encode_json_value(args or {}), "format": "convex_encoded_json"}
    reply = client.post(f"/api/{kind}", json=body)
    assert reply.status_code == 200, reply.text
    envelope = reply.json()
    if envelope["status"] != "success":
        raise AssertionError(envelope.get("errorMessage"))
    return decode_encoded_value(envelope["value"])


def query(client: httpx.Client, path: str, args: dict[str, Any] | None = None) -> Any:
    return call(client, "query", path, args)


def mutation(client: httpx.Client, path: str, args: dict[str, Any] | None = None) -> Any:
    return call(client, "mutation", path, args)


def latest_export(client: httpx.Client) -> dict | None:
    return query(client, "_system/cli/exports:getLatest")
