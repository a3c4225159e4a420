"""Who may read the reading room: an access token, or the users of an htpasswd file; checked on every request.

The reading room shows everything the archive holds, replays it through pywb and hands out
raw WARC records. On 127.0.0.1 that is the machine's own users; bound to any other address
it is everyone who can reach the port, so ``archiver serve`` then requires an access rule
(or ``--public``, said out loud). The rule is one ASGI middleware around the whole
application: every page, API call, replayed page and pywb asset, WARC download and unknown
address answers 401 without credentials, so a route added later cannot be left open.

Credentials come as HTTP Basic (what a browser asks for, and sends again for every address
of the reading room, replay frames included): a user of the htpasswd file with their
password, or any user name with the token as password. API clients may send
``Authorization: Bearer <token>``. Secrets never come from the command line (``ps`` shows
it to every local user): the token is read from a file or ``$ARCHIVER_SERVE_TOKEN``.
Passwords are bcrypt hashes only (``htpasswd -B``); the faster MD5, SHA-1 and crypt schemes
are refused, being too quick to guess from a stolen file.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import ipaddress
import logging
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

TOKEN_ENV = "ARCHIVER_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16
REALM = "archiver reading room"
BCRYPT_PREFIXES = ("$2y$", "$2b$", "$2a$")
FAILED_ATTEMPT_DELAY = 0.25  # seconds a wrong password waits for its 401: guessing gets slower, readers do not
CHALLENGE_HEADERS = [
    (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode()),
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class AccessError(Exception):
    """An access rule that cannot be used; the message (one line) says why and what to do."""


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` reaches this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def hash_scheme(digest: str) -> str:
    if digest.startswith(BCRYPT_PREFIXES):
        return "bcrypt"
    if digest.startswith("$apr1$") or digest.startswith("$1$"):
        return "MD5"
    if digest.startswith("{SHA}"):
        return "SHA-1"
    if digest.startswith("$5$") or digest.startswith("$6$"):
        return "SHA-crypt"
    return "crypt or plain-text"


def read_users(path: Path) -> dict[str, bytes]:
    """``user:bcrypt-hash`` lines (``htpasswd -B``); blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AccessError(f"cannot read the users file {path}: {getattr(error, 'strerror', None) or error}") from None
    users: dict[str, bytes] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, digest = line.partition(":")
        if not sep or not user or not digest:
            raise AccessError(f"{path}:{number}: not a user:hash line (make the file with htpasswd -B)")
        scheme = hash_scheme(digest)
        if scheme != "bcrypt":
            raise AccessError(f"{path}:{number}: user {user!r} has a {scheme} password hash; only bcrypt is "
                              f"accepted (htpasswd -B {path} {user})")
        users[user] = digest.encode("ascii", "replace")
    if not users:
        raise AccessError(f"no users in {path} (add one with htpasswd -B {path} NAME)")
    return users


def read_token(path: Path | None, environ: dict[str, str] | None = None) -> str | None:
    """The token from ``path`` (its first line) or ``$ARCHIVER_SERVE_TOKEN``; None when neither is given."""
    environ = os.environ if environ is None else environ
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise AccessError(f"cannot read the token file {path}: {getattr(error, 'strerror', None) or error}"
                              ) from None
        token, source = (lines[0].strip() if lines else ""), str(path)
    elif environ.get(TOKEN_ENV):
        token, source = environ[TOKEN_ENV].strip(), f"${TOKEN_ENV}"
    else:
        return None
    if len(token) < MIN_TOKEN_LENGTH or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise AccessError(f"the token in {source} must be at least {MIN_TOKEN_LENGTH} printable characters "
                          "without spaces (e.g. the output of `openssl rand -hex 24`)")
    return token


def readable_by_others(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


@dataclass
class AccessRule:
    """A token, the users of an htpasswd file, or both; ``allows(authorization header)``."""

    token: str | None = field(default=None, repr=False)  # never in a log line, even by accident
    users_file: Path | None = None
    _users: dict[str, bytes] = field(default_factory=dict, repr=False)
    _stamp: tuple[int, int] | None = field(default=None, repr=False)
    _verified: dict[bytes, bytes] = field(default_factory=dict, repr=False)  # (user, password) digest -> hash
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.users_file is not None:
            self._users = read_users(self.users_file)  # a bad file fails at start, in one line
            self._stamp = self._file_stamp()

    def describe(self) -> str:
        parts = ["a token"] if self.token else []
        if self.users_file is not None:
            parts.append(f"{len(self._users)} user(s) of {self.users_file}")
        return " or ".join(parts)

    def allows(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header value carries the token or a user's password."""
        if not authorization:
            return False
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            return self._is_token(credentials.strip())
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        if not sep:
            return False
        return self._is_token(password) or self._is_user(user, password)

    def _is_token(self, candidate: str) -> bool:
        return self.token is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def _is_user(self, user: str, password: str) -> bool:
        if self.users_file is None:
            return False
        import bcrypt

        users = self._current_users()
        digest = users.get(user)
        if digest is None:
            return False
        key = hashlib.sha256(f"{user}\0{password}".encode()).digest()
        if self._verified.get(key) == digest:  # bcrypt costs milliseconds: a page's many requests ask once
            return True
        try:
            ok = bcrypt.checkpw(password.encode("utf-8"), digest)
        except ValueError:  # a malformed hash, or a password past bcrypt's 72 bytes
            return False
        if ok:
            with self._lock:
                self._verified[key] = digest
        return ok

    def _file_stamp(self) -> tuple[int, int] | None:
        assert self.users_file is not None
        try:
            info = self.users_file.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size

    def _current_users(self) -> dict[str, bytes]:
        """The users file as it is now: edits apply without a restart; a file made unusable lets nobody in."""
        stamp = self._file_stamp()
        if stamp != self._stamp:
            with self._lock:
                try:
                    self._users = read_users(self.users_file) if stamp is not None else {}  # type: ignore[arg-type]
                except AccessError as error:
                    logger.warning("%s; nobody is let in until it is fixed", error)
                    self._users = {}
                self._stamp = stamp
                self._verified.clear()
        return self._users


class AccessMiddleware:
    """ASGI middleware: a request without credentials the rule allows gets 401, whatever its address."""

    def __init__(self, app: Any, rule: AccessRule) -> None:
        self.app = app
        self.rule = rule

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers") or []
        authorization = next((value.decode("latin-1") for name, value in headers if name == b"authorization"), None)
        allowed = await asyncio.to_thread(self.rule.allows, authorization) if authorization else False
        if allowed:
            # The credentials stop here: nothing behind (pywb, its log) ever sees them.
            scope = {**scope, "headers": [(n, v) for n, v in headers if n != b"authorization"]}
            await self.app(scope, receive, send)
            return
        if authorization:
            await asyncio.sleep(FAILED_ATTEMPT_DELAY)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"Authentication required: this reading room lets in its users only.\n"
        await send({"type": "http.response.start", "status": 401,
                    "headers": [*CHALLENGE_HEADERS, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body if scope.get("method") != "HEAD" else b""})
