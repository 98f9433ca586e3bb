"""The blocking client's wide reads: a read takes all the socket holds (past httpcore's 64 KiB), never
waits for more, and a body read that way arrives whole."""

from __future__ import annotations

import os
import socket
import threading
import time


from tui.api.http_clients import build_blocking_client
from tui.api.wide_reads import WIDE_READ, WideReadBackend

BODY = os.urandom(3 * WIDE_READ + 12345)


def _serve_once(payload: bytes) -> tuple[socket.socket, threading.Thread]:
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)  # the request (or nothing, for the raw stream test)
            connection.sendall(payload)
            time.sleep(0.5)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return server, thread


def test_one_read_takes_what_the_socket_holds_beyond_64_kib():
    server, thread = _serve_once(b"x" * (512 * 1024))
    try:
        stream = WideReadBackend().connect_tcp("127.0.0.1", server.getsockname()[1], timeout=5)
        stream.write(b"hello")
        time.sleep(0.3)  # let the whole payload reach the socket buffer
        first = stream.read(64 * 1024, timeout=5)
        assert 64 * 1024 < len(first) <= WIDE_READ
        stream.close()
    finally:
        thread.join(5)
        server.close()


def test_a_body_read_through_the_blocking_client_arrives_whole():
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\nConnection: close\r\n\r\n".encode()
    server, thread = _serve_once(head + BODY)
    try:
        with build_blocking_client(f"http://127.0.0.1:{server.getsockname()[1]}") as client:
            with client.stream("GET", "/zip") as response:
                assert response.status_code == 200
                assert b"".join(response.iter_raw()) == BODY
    finally:
        thread.join(5)
        server.close()


def test_without_a_body_waiting_a_read_returns_what_came():
    server, thread = _serve_once(b"short")
    try:
        stream = WideReadBackend().connect_tcp("127.0.0.1", server.getsockname()[1], timeout=5)
        stream.write(b"hello")
        started = time.monotonic()
        assert stream.read(64 * 1024, timeout=5) == b"short"
        assert time.monotonic() - started < 2
        stream.close()
    finally:
        thread.join(5)
        server.close()
