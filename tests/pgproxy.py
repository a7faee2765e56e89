"""A TCP proxy in front of the test PostgreSQL server that cuts a connection at its next
COMMIT: a real network fault, at the one moment where a client cannot know the outcome.

    proxy = PgProxy(server.host, server.port)     # listens on a free loopback port
    proxy.cut_at_commit("after")    # forward the COMMIT, let the server answer, drop the client
    proxy.cut_at_commit("before")   # drop the COMMIT and both sides of the connection
    proxy.close()

It reads the client's side of the protocol just enough to see messages: the untyped ones
before start-up (an SSL or GSS request, the start-up message), then a type byte and a length.
A COMMIT is a simple query ('Q') whose text starts with COMMIT, as psycopg sends it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

_STARTUP_PROTOCOL = 196608  # 3.0
_ONE_BYTE_ANSWERS = {80877103, 80877104}  # SSLRequest, GSSENCRequest: answered 'S'/'N'/'G'
_TERMINATE = b"X\x00\x00\x00\x04"


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class _Link:
    """One client connection and its connection to the server."""

    def __init__(self, proxy: PgProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = socket.create_connection((proxy.host, proxy.port))
        self.swallow = threading.Event()  # the server's next answer is not passed on
        self.answered = threading.Event()  # ... and it came
        threading.Thread(target=self._to_server, daemon=True).start()
        threading.Thread(target=self._to_client, daemon=True).start()

    def _to_server(self) -> None:
        try:
            started = False
            while not started:
                head = _read_exactly(self.client, 8)
                length, code = struct.unpack("!ii", head)
                body = _read_exactly(self.client, length - 8)
                self.server.sendall(head + body)
                started = code == _STARTUP_PROTOCOL
            while True:
                head = _read_exactly(self.client, 5)
                kind, length = head[:1], struct.unpack("!i", head[1:])[0]
                body = _read_exactly(self.client, length - 4)
                mode = (
                    self.proxy.take_cut() if kind == b"Q" and body.startswith(b"COMMIT") else None
                )
                if mode == "before":
                    self.server.sendall(_TERMINATE)  # the transaction is abandoned, not committed
                    break
                if mode == "after":
                    self.swallow.set()
                    self.server.sendall(head + body)
                    self.answered.wait(10)  # the server has committed and answered
                    self.server.sendall(_TERMINATE)
                    break
                self.server.sendall(head + body)
        except (ConnectionError, OSError):
            pass
        self._close()

    def _to_client(self) -> None:
        try:
            while True:
                data = self.server.recv(65536)
                if not data:
                    break
                if self.swallow.is_set():
                    self.answered.set()
                    continue
                self.client.sendall(data)
        except OSError:
            pass
        self.answered.set()
        self._close()

    def _close(self) -> None:
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class PgProxy:
    """Listens on a free loopback port and passes connections on to host:port."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.listen_port = int(self._listener.getsockname()[1])
        self._cut: str | None = None
        self.cuts = 0  # connections cut so far
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_at_commit(self, mode: str) -> None:
        """Cut the connection that sends the next COMMIT: "before" it reaches the server, or
        "after" the server has committed it and answered (the answer never arrives)."""
        assert mode in ("before", "after")
        with self._lock:
            self._cut = mode

    def take_cut(self) -> str | None:
        with self._lock:
            mode, self._cut = self._cut, None
            if mode is not None:
                self.cuts += 1
            return mode

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                _Link(self, client)
            except OSError:
                client.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
