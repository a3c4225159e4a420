"""A real redis-server on 127.0.0.1 for the distributed tests (CI installs it from Debian), and ways to fail it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class RedisServer:
    """A throw-away redis-server of our own (one a test may kill -9 and start again from its AOF)."""

    def __init__(self, directory: Path, *, appendonly: bool = True, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.binary, self.directory, self.password = binary, Path(directory), password
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.options = ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory), "--save", "",
                        "--appendonly", "yes" if appendonly else "no", "--appendfsync", "everysec"]
        if password:
            self.options += ["--requirepass", password]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([self.binary, *self.options], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        """kill -9: no shutdown, no final save; what survives is what the AOF holds."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def redis_server() -> Iterator[str]:
    """``ARCHIVER_TEST_REDIS_URL`` if set (CI starts one), else a throw-away redis-server; yields its URL."""
    url = os.environ.get("ARCHIVER_TEST_REDIS_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as directory, RedisServer(Path(directory), appendonly=False) as server:
        yield server.url


class TcpProxy:
    """A TCP relay on 127.0.0.1 between workers and Redis, to cut the network between them.

    ``cut()`` closes every relayed connection and stops listening, as a rebooted router
    does: clients see resets, then refused connections; ``restore()`` listens again on the
    same port. ``freeze()`` keeps every connection open but carries nothing, as a link that
    silently drops packets does: clients see nothing until their socket timeout;
    ``restore()`` lets the traffic flow again.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._flowing = threading.Event()
        self.restore()

    def freeze(self) -> None:
        self._flowing.clear()

    def restore(self) -> None:
        self._flowing.set()
        if self._listener is not None:
            return  # was frozen, not cut
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in sockets:
            _close(sock)

    def close(self) -> None:
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client), _close(upstream)
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        _close(source), _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
