"""The blocking client's transport (`http.client` underneath): a body arrives whole in pieces of at most
`PIECE` bytes, chunked bodies too; the request carries the client's headers; a body cut short, a server
that stops answering and a refused connection are httpx's transport errors, never a short "complete"
body."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading

import httpx
import pytest

from tui.api.transport.direct import PIECE
from tui.api.transport.clients import build_blocking_client
from tui.api.secrets import Secret

BODY = os.urandom(3 * PIECE + 12345)


class OneShotServer:
    """Accepts one connection, records the request head, sends `reply`, then waits `hold` seconds."""

    def __init__(self, reply: bytes, *, hold: float = 0.5):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.request = b""
        self._reply, self._hold = reply, hold
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        connection, _ = self.sock.accept()
        with connection:
            while b"\r\n\r\n" not in self.request:
                piece = connection.recv(65536)
                if not piece:
                    return
                self.request += piece
            connection.sendall(self._reply)
            self._done.wait(self._hold)

    def close(self) -> None:
        self._done.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def serve():
    servers = []

    def start(reply: bytes, **kwargs) -> OneShotServer:
        servers.append(OneShotServer(reply, **kwargs))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _head(length: int | None = None, extra: str = "") -> bytes:
    fields = f"Content-Length: {length}\r\n" if length is not None else ""
    return f"HTTP/1.1 200 OK\r\n{fields}{extra}\r\n".encode()


def test_a_body_arrives_whole_in_pieces_of_at_most_one_read(serve):
    server = serve(_head(len(BODY)) + BODY)
    with build_blocking_client(server.url, authorization=Secret("Convex key-123")) as client:
        with client.stream("GET", "/api/export/zip/7?x=1", headers={"Range": "bytes=0-"}) as response:
            assert response.status_code == 200
            pieces = list(response.iter_raw())
    assert b"".join(pieces) == BODY
    assert max(len(p) for p in pieces) <= PIECE and len(pieces) >= len(BODY) // PIECE
    head = server.request.decode("latin-1").lower()
    assert head.startswith("get /api/export/zip/7?x=1 http/1.1\r\n")
    for expected in (
        "authorization: convex key-123",
        "convex-client: convex-backups-",
        "range: bytes=0-",
        f"host: 127.0.0.1:{server.sock.getsockname()[1]}",
    ):
        assert expected in head


def test_a_chunked_body_arrives_whole(serve):
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (BODY[:1000], BODY[1000:300_000]))
    server = serve(_head(extra="Transfer-Encoding: chunked\r\n") + chunks + b"0\r\n\r\n")
    with build_blocking_client(server.url) as client:
        with client.stream("GET", "/zip") as response:
            assert b"".join(response.iter_raw()) == BODY[:300_000]


def test_a_body_cut_short_is_an_error_after_the_bytes_that_came(serve):
    server = serve(_head(len(BODY)) + BODY[: PIECE + 500], hold=0)
    received = []
    with build_blocking_client(server.url) as client:
        with client.stream("GET", "/zip") as response:
            with pytest.raises(httpx.RemoteProtocolError, match="before the end of the body"):
                for piece in response.iter_raw():
                    received.append(piece)
    assert b"".join(received) == BODY[: PIECE + 500]  # every byte that came, then the error


def test_a_server_that_stops_sending_is_a_read_timeout(serve):
    server = serve(_head(len(BODY)) + BODY[:1000], hold=5)
    with build_blocking_client(server.url, timeout=httpx.Timeout(5.0, read=0.3)) as client:
        with client.stream("GET", "/zip") as response:
            with pytest.raises(httpx.ReadTimeout):
                for _ in response.iter_raw():
                    pass


def test_a_refused_connection_is_a_connect_error():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with build_blocking_client(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(httpx.ConnectError):
            client.get("/zip")


def test_a_head_request_has_no_body(serve):
    server = serve(_head(len(BODY)))
    with build_blocking_client(server.url) as client:
        response = client.head("/zip")
    assert response.status_code == 200 and response.headers["content-length"] == str(len(BODY))
    assert response.content == b""


def test_a_connection_the_server_will_close_can_still_be_interrupted(serve):
    # `http.client` forgets the socket of a response whose connection closes after it; stopping a download
    # shuts that socket down to wake the read.
    server = serve(_head(len(BODY), extra="Connection: close\r\n") + BODY[:1000], hold=5)
    with build_blocking_client(server.url) as client:
        with client.stream("GET", "/zip") as response:
            sock = response.extensions["network_stream"].get_extra_info("socket")
            assert isinstance(sock, socket.socket)


def test_an_untrusted_certificate_is_a_connect_error(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))

    def handshake() -> None:
        connection, _ = listener.accept()
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            connection.close()

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    try:
        with build_blocking_client(f"https://127.0.0.1:{listener.getsockname()[1]}") as client:
            with pytest.raises(httpx.ConnectError, match="(?i)certificate"):
                client.get("/zip")
    finally:
        thread.join(5)
        listener.close()
