"""The reading room's door: off loopback `archiver serve` needs an access rule (or --public), and with one every
route the application has (enumerated from the application itself), replay included, answers 401 without it."""

from __future__ import annotations

import base64
import http.client
import os
import re
from pathlib import Path

import pytest

from archiver.reading.access import AccessRule, is_loopback
from conftest import run_archiver
from reading_helpers import browser, pywb_env, reading_room

# Made with Apache's `htpasswd -nbB -C 5 archivist 'correct horse battery staple'` (the $2y$ prefix bcrypt writes).
ARCHIVIST = "archivist:$2y$05$r7nGkB.Fb1X1oGHO.yV.9OExNHrUdFGniLWR6SwsvDouInDUx6nVG"
PASSWORD = "correct horse battery staple"
TOKEN = "9f2c4e7a1b8d3f6e0a5c9b2d7e4f1a3c"
REPLAY_METHODS = {"GET", "HEAD", "POST"}  # POST: pywb replays archived POST requests; it records nothing


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def request(base: str, path: str, method: str = "GET", authorization: str | None = None) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        headers = {"Authorization": authorization} if authorization else {}
        connection.request(method, path, body=b"q=1" if method == "POST" else None, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def every_route(app) -> list[tuple[str, set[str]]]:
    """(a concrete address, its methods) for every route of the application, mounted ones included."""
    from starlette.routing import Mount, Route

    found = []
    for route in app.routes:
        if isinstance(route, Mount):
            found += [(route.path + path, methods) for path, methods in every_route(route)]
        else:  # a WebSocket route or another kind would need its own check here
            assert isinstance(route, Route), f"a route of a kind the door test does not know: {route!r}"
            found.append((re.sub(r"\{[^}]+\}", "x", route.path), set(route.methods or {"GET", "HEAD"})))
    return found


@pytest.fixture(scope="module")
def door(demo_crawl, tmp_path_factory):
    """`archiver serve` over the demo archive with users and a token (pywb too, where its environment is)."""
    folder = tmp_path_factory.mktemp("door")
    users, token = folder / "users", folder / "token"
    users.write_text(ARCHIVIST + "\n")
    token.write_text(TOKEN + "\n")
    users.chmod(0o600)
    token.chmod(0o600)
    env = pywb_env() or dict(os.environ)
    with reading_room(demo_crawl.archive, "--auth", str(users), "--token-file", str(token), env=env) as (base, printed):
        yield base, printed, demo_crawl.archive, pywb_env() is not None


def test_off_loopback_serve_refuses_to_start_without_an_access_rule(tmp_path):
    for host in ("0.0.0.0", "reading-room.example"):
        done = run_archiver("serve", "--archive", str(tmp_path), "--host", host, "--no-replay", timeout=60)
        assert done.returncode == 2, (host, done.stdout, done.stderr)
        assert done.stderr.strip().splitlines() == [
            f"archiver serve: --host {host} opens the reading room to the network: give an access rule (--auth FILE, "
            "--token-file FILE or $ARCHIVER_SERVE_TOKEN), or --public to let anyone who reaches it read everything"]
        assert "serving" not in done.stdout


@pytest.mark.parametrize(("setup", "message"), [
    (lambda d: ["--auth", str(d / "missing")], "cannot read the users file"),
    (lambda d: ["--auth", str(write(d / "md5", "someone:$apr1$zTCvqk5H$Haazu702S7Ho9T3n5y4Im/\n"))],
     "has a MD5 password hash; only bcrypt is accepted"),
    (lambda d: ["--auth", str(write(d / "empty", "# nobody\n"))], "no users in"),
    (lambda d: ["--token-file", str(write(d / "short", "letmein\n"))], "must be at least 16 printable characters"),
    (lambda d: ["--auth", str(write(d / "ok", ARCHIVIST)), "--public"], "--public serves without a login"),
])
def test_an_access_rule_that_cannot_be_used_is_one_line(tmp_path, setup, message):
    done = run_archiver("serve", "--archive", str(tmp_path), "--host", "0.0.0.0", "--no-replay", *setup(tmp_path),
                        timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    [line] = [line for line in done.stderr.splitlines() if not line.startswith("archiver serve: warning")]
    assert line.startswith("archiver serve: ") and message in line, line


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_which_addresses_are_this_machine_only():
    assert all(map(is_loopback, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.org", ""]))


def test_every_route_answers_401_without_credentials_and_serves_with_them(door):
    from archiver.reading.app import create_app

    base, printed, archive, _replay = door
    routes = every_route(create_app(archive))
    assert len(routes) >= 12  # pages, API, WARC download, the two replay prefixes
    addresses = routes + [("/no/such/page", {"GET"}), ("/records/x/warc?view=headers", {"GET"})]
    wrong = [basic("archivist", "wrong"), basic("intruder", PASSWORD), "Bearer " + "0" * 32,
             basic("anyone", TOKEN[:-1]), "Digest x", "Basic !!!"]
    right = [basic("archivist", PASSWORD), basic("anyone", TOKEN), "Bearer " + TOKEN]
    for number, (path, methods) in enumerate(addresses):
        for method in sorted(methods):
            status, headers, _body = request(base, path, method)
            assert status == 401 and headers["www-authenticate"].startswith("Basic realm="), (method, path, status)
            for credentials in right:
                assert request(base, path, method, credentials)[0] != 401, (method, path, credentials)
        # Wrong credentials wait a moment for their 401 (guessing gets slow): one kind per address, GET.
        assert request(base, path, "GET", wrong[number % len(wrong)])[0] == 401, (path, wrong[number % len(wrong)])
    assert any(line.startswith("access          a token or 1 user(s) of ") for line in printed)
    assert not any(TOKEN in line or PASSWORD in line for line in printed)  # never printed


def test_pages_api_warc_and_replay_open_with_credentials(door, demo_crawl):
    import json

    base, _printed, _archive, replay = door
    status, _, body = request(base, "/api/search?q=panjshir", authorization="Bearer " + TOKEN)
    assert status == 200
    hit = json.loads(body)["results"][0]
    status, _, body = request(base, hit["links"]["record"], authorization=basic("archivist", PASSWORD))
    record = json.loads(body)
    assert status == 200 and record["links"]["warc"]
    status, headers, warc = request(base, record["links"]["warc"], authorization=basic("archivist", PASSWORD))
    assert status == 200 and warc.startswith(b"\x1f\x8b")
    assert request(base, record["links"]["warc"])[0] == 401
    if not replay:
        pytest.skip("no pywb environment (ARCHIVER_PYWB_VENV): the replay addresses were checked for 401 only")
    link = record["links"]["replay"]  # pywb's frame around the page: /archive/<timestamp>/<url>
    assert request(base, link)[0] == 401
    status, _, frame = request(base, link, authorization=basic("anyone", TOKEN))
    assert status == 200 and b"replay_iframe" in frame
    page = re.sub(r"^(/archive/\d+)/", r"\1mp_/", link)  # what the frame loads: the archived page itself
    assert request(base, page)[0] == 401
    status, _, html = request(base, page, authorization=basic("anyone", TOKEN))
    assert status == 200 and b"Panjshir" in html
    assert request(base, "/static/wombat.js")[0] == 401
    assert request(base, "/static/wombat.js", authorization="Bearer " + TOKEN)[0] == 200


def test_a_reader_with_a_password_reads_and_replays_in_the_browser(door):
    base, _printed, _archive, replay = door
    from playwright.sync_api import Error as BrowserError

    with browser(javascript=True) as page, pytest.raises(BrowserError, match="ERR_INVALID_AUTH_CREDENTIALS"):
        page.goto(base + "/")  # no credentials to answer the challenge with: the page does not open
    with browser(javascript=True, http_credentials={"username": "archivist", "password": PASSWORD}) as page:
        page.goto(base + "/?q=panjshir")
        page.locator(".result h2 a").first.click()
        page.wait_for_selector("article h1")
        assert "Panjshir" in page.inner_text("article h1")
        if not replay:
            pytest.skip("no pywb environment (ARCHIVER_PYWB_VENV): the page was read, not replayed")
        page.locator("a.replay").click()  # pywb's frame, its scripts and the archived page: all behind the door
        page.wait_for_url("**/archive/**")
        frame = page.frame_locator("iframe").first
        assert "Panjshir" in frame.locator("h1").first.inner_text(timeout=30_000)


def test_every_route_is_read_only(demo_crawl):
    from archiver.reading.app import create_app
    from archiver.reading.replay import PREFIXES

    for path, methods in every_route(create_app(demo_crawl.archive)):
        allowed = REPLAY_METHODS if path.startswith(PREFIXES) else {"GET", "HEAD"}
        assert methods <= allowed, (path, methods)


def test_the_users_file_is_read_again_when_it_changes_and_a_broken_one_lets_nobody_in(tmp_path):
    users = write(tmp_path / "users", ARCHIVIST + "\n")
    rule = AccessRule(users_file=users)
    assert rule.allows(basic("archivist", PASSWORD)) and not rule.allows(basic("archivist", "nope"))
    write(users, "# archivist left\nother:$2y$05$r7nGkB.Fb1X1oGHO.yV.9OExNHrUdFGniLWR6SwsvDouInDUx6nVG\n")
    os.utime(users, ns=(1, 1))  # a new stamp even within the same clock tick
    assert not rule.allows(basic("archivist", PASSWORD)) and rule.allows(basic("other", PASSWORD))
    write(users, "other:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n")
    os.utime(users, ns=(2, 2))
    assert not rule.allows(basic("other", PASSWORD))  # fails closed


def test_the_token_comes_from_a_file_or_the_environment_never_the_command_line(tmp_path):
    from archiver.cli import build_parser
    from archiver.reading.access import read_token

    serve = next(action for action in build_parser()._subparsers._group_actions[0].choices["serve"]._actions
                 if "--token-file" in action.option_strings)
    assert serve.metavar == "FILE"
    options = {o for a in build_parser()._subparsers._group_actions[0].choices["serve"]._actions
               for o in a.option_strings}
    assert not {"--token", "--password", "--user"} & options
    assert read_token(None, {"ARCHIVER_SERVE_TOKEN": TOKEN}) == TOKEN
    assert read_token(write(tmp_path / "t", TOKEN + "\nignored\n"), {}) == TOKEN
    assert read_token(None, {}) is None
