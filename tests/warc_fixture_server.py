"""A local HTTP(S) server whose answers test WARC fidelity: gzip, chunked, repeated headers, redirects,
errors, a binary image, a slow body cut short, a large body, zstd, and TLS with a self-signed certificate."""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

try:
    from compression import zstd  # Python 3.14
except ImportError:  # pragma: no cover - depends on the Python version
    from backports import zstd  # Scrapy depends on it below 3.14

HTML = "text/html; charset=utf-8"
# Bytes that break text handling: NUL, CR LF, high bytes.
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16 + b"\x00\r\n\x00"
TRUNCATED_LENGTH = 20_000  # announced
TRUNCATED_SENT = b"<html><body><p>" + b"slow " * 1000  # 5015 bytes actually sent
BIG = b"<html><body>" + b"<p>big body</p>\n" * 12_500 + b"</body></html>"  # ~200 kB

PAGES = ["/gzip/", "/chunked/", "/repeated/", "/redirect/1", "/missing/", "/error/", "/photo",
         "/slow-truncated/", "/big/", "/zstd/", "/phrase/"]


def page(title: str, links: list[str] = ()) -> bytes:
    anchors = "".join(f'<a href="{link}">{link}</a>\n' for link in links)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{title} body text.</p>{anchors}</body></html>").encode()


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FixtureServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers.items())))
        if self.server.scheme == "https":  # the TLS server has one page of its own
            self.send_body(200 if self.path == "/" else 404, page("Secure page" if self.path == "/" else "Nope"))
            return
        route = getattr(self, "route_" + self.path.strip("/").replace("-", "_").replace("/", "_") or "route_index",
                        None)
        if self.path == "/":
            route = self.route_index
        if route is None:
            self.send_body(404, page("Not found"))
            return
        route()

    def send_body(self, status: int, body: bytes, content_type: str = HTML, headers: list = (),
                  reason: str | None = None) -> None:
        self.send_response(status, reason)
        self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_index(self) -> None:
        self.send_body(200, page("Fixture index", PAGES))

    def route_gzip(self) -> None:
        self.send_body(200, gzip.compress(page("Gzip page"), mtime=0), headers=[("Content-Encoding", "gzip")])

    def route_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body = page("Chunked page")
        for start in range(0, len(body), 40):
            chunk = body[start:start + 40]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def route_repeated(self) -> None:
        # /after-cookie/ is linked from here only, so it is fetched after the cookies are set.
        self.send_body(200, page("Repeated headers", ["/after-cookie/"]), headers=[
            ("Set-Cookie", "first=1; Path=/"), ("X-Repeat", "one"), ("Set-Cookie", "second=2; Path=/"),
            ("X-Repeat", "two"), ("X-Repeat", "three"), ("x-lower-case", "yes"),
            ("X-Latin", b"caf\xe9".decode("latin-1")), ("Connection", "keep-alive")])

    def route_after_cookie(self) -> None:
        self.send_body(200, page("After cookie"))

    def route_redirect_1(self) -> None:
        self.send_body(302, b"", headers=[("Location", "/redirect/2")])

    def route_redirect_2(self) -> None:
        self.send_body(301, page("Moved"), headers=[("Location", "/redirect/final/")])

    def route_redirect_final(self) -> None:
        self.send_body(200, page("Redirect target"))

    def route_missing(self) -> None:
        self.send_body(404, page("Missing page"))

    def route_error(self) -> None:
        self.send_body(500, page("Server error"))

    def route_photo(self) -> None:
        self.send_body(200, PHOTO, content_type="image/png")

    def route_slow_truncated(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(TRUNCATED_LENGTH))
        self.end_headers()
        for start in range(0, len(TRUNCATED_SENT), 1024):
            self.wfile.write(TRUNCATED_SENT[start:start + 1024])
            self.wfile.flush()
            time.sleep(0.05)
        self.close_connection = True
        self.connection.shutdown(2)  # cut: fewer bytes than Content-Length said

    def route_big(self) -> None:
        self.send_body(200, BIG)

    def route_zstd(self) -> None:
        # Sent although the crawler did not offer zstd.
        self.send_body(200, zstd.compress(page("Zstd page")), headers=[("Content-Encoding", "zstd")])

    def route_phrase(self) -> None:
        self.send_body(200, page("Own reason phrase"), reason="Fine Thanks")


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls_dir: Path | None = None) -> None:
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.certificate_pem: bytes | None = None
        if tls_dir is not None:
            self.certificate_pem = make_self_signed(tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_dir / "cert.pem", tls_dir / "key.pem")
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.scheme = "https" if tls_dir is not None else "http"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def make_self_signed(folder: Path) -> bytes:
    """A self-signed certificate for 127.0.0.1, written as cert.pem and key.pem; returns the PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "archiver fixture")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cert.pem").write_bytes(pem)
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return pem
