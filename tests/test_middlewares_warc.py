"""WarcCaptureMiddleware: what it takes from Scrapy's request and response."""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from archiver.middlewares.warc import exchange_from_scrapy


def make_pair():
    request = Request(
        "https://news.example.com/a?b=1",
        headers={"Cookie": "session=secret", "Authorization": "Basic eA==", "Accept-Encoding": "gzip"},
    )
    response = HtmlResponse(
        "https://news.example.com/a?b=1",
        status=404,
        headers={"Content-Type": "text/html", "Set-Cookie": ["a=1", "b=2"], "Transfer-Encoding": "chunked"},
        body=b"\x1f\x8bcompressed",
        request=request,
        protocol="HTTP/1.1",
        flags=["dataloss"],
    )
    return request, response


def test_credentials_are_kept_out_and_host_is_added():
    request, response = make_pair()
    exchange = exchange_from_scrapy(request, response)
    names = [name.lower() for name, _ in exchange.request_headers]
    assert "cookie" not in names and "authorization" not in names
    assert exchange.request_headers[0] == ("Host", "news.example.com")
    stored = exchange_from_scrapy(request, response, store_credentials=True)
    assert ("Cookie", "session=secret") in stored.request_headers


def test_response_is_taken_as_received():
    request, response = make_pair()
    exchange = exchange_from_scrapy(request, response)
    assert exchange.status == 404
    assert exchange.response_body == b"\x1f\x8bcompressed"
    assert [v for k, v in exchange.response_headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    # The body was de-chunked by the client: a chunked header would lie about it.
    assert all(k.lower() != "transfer-encoding" for k, _ in exchange.response_headers)
    assert exchange.truncated == "disconnect"


def test_http2_is_named_in_warc_protocol_and_the_status_line(tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from archiver.warc.writer import RotatingWarcWriter

    request = Request("https://news.example.com/h2")
    response = HtmlResponse(request.url, status=200, body=b"<html></html>", request=request, protocol="h2",
                            ip_address=__import__("ipaddress").ip_address("192.0.2.7"))
    writer = RotatingWarcWriter(tmp_path)
    writer.write_exchange(exchange_from_scrapy(request, response))
    writer.close()
    with open(writer.files_written[0], "rb") as fh:
        record = [r for r in ArchiveIterator(fh) if r.rec_type == "response"][0]
    assert record.rec_headers.get_header("WARC-Protocol") == "h2"
    assert record.rec_headers.get_header("WARC-IP-Address") == "192.0.2.7"
    assert record.http_headers.protocol == "HTTP/2"


def test_a_download_stopped_at_the_size_limit_is_truncated_by_length():
    request = Request("https://news.example.com/big", meta={"warc_truncated": "length"})
    response = HtmlResponse(request.url, body=b"<p>", request=request, flags=["download_stopped"])
    assert exchange_from_scrapy(request, response).truncated == "length"
    other = Request("https://news.example.com/stopped")
    assert exchange_from_scrapy(other, HtmlResponse(other.url, body=b"", request=other,
                                                     flags=["download_stopped"])).truncated == "unspecified"
