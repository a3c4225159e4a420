"""``archiver browser-login URL --profile PATH``: log in once in Chromium and keep the login as a browser profile.

Headed (you log in by hand, then press Enter here), or scripted with ``--field NAME=ENV_VAR``:
each form field is filled from an environment variable, never from the command line, where
``ps`` shows it to every user of the machine.
"""

from __future__ import annotations

import argparse
import os
import sys

SUBMIT = "form [type=submit], form button:not([type]), form input[type=image]"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "browser-login", help="log in to a site in Chromium and save the login as a browser profile",
        description="Open URL in Chromium, log in, and save the browser's cookies and local storage (a Playwright "
                    "storage state) to --profile, for `archiver crawl --browser --browser-profile PATH`. Without "
                    "--field a browser window opens: log in, then press Enter here. With --field the login form "
                    "is filled and sent headless, the values read from environment variables.")
    parser.add_argument("url", metavar="URL", help="the site's login page")
    parser.add_argument("--profile", required=True, metavar="PATH",
                        help="where to save the profile: a file, or a folder (then PATH/storage-state.json); "
                             "written readable by you alone; keep it out of archive folders")
    parser.add_argument("--field", action="append", default=[], metavar="NAME=ENV_VAR",
                        help="fill the form field NAME (its name attribute, or a CSS selector) with the value of "
                             "the environment variable ENV_VAR (repeatable), e.g. --field password=NEWS_PASSWORD")
    parser.add_argument("--submit", metavar="SELECTOR", help=f"the button that sends the form (default: {SUBMIT})")
    parser.add_argument("--logged-in", metavar="SELECTOR",
                        help="an element only a logged-in page has: the login fails unless it appears")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for each step (default 30)")
    parser.set_defaults(func=run)


def fail(message: str) -> int:
    print(f"archiver browser-login: {message}", file=sys.stderr)
    return 1


def fields_from(items: list[str]) -> list[tuple[str, str]] | str:
    """[(selector, value)] from NAME=ENV_VAR items, or the one-line problem."""
    fields = []
    for item in items:
        name, sep, variable = item.partition("=")
        if not sep or not name.strip() or not variable.strip():
            return f"--field takes NAME=ENV_VAR, got {item.split('=', 1)[0]!r}..."
        value = os.environ.get(variable.strip())
        if value is None:
            return f"--field {name}: the environment variable {variable.strip()} is not set"
        name = name.strip()
        selector = name if name[0] in "#.[" or " " in name else f'[name="{name}"]'
        fields.append((selector, value))
    return fields


def run(args: argparse.Namespace) -> int:
    from archiver.browser import BrowserMissing, check_browser
    from archiver.browser.profile import save_profile
    from archiver.browser.render import LAUNCH_ARGS, VIEWPORT

    fields = fields_from(args.field)
    if isinstance(fields, str):
        return fail(fields)
    if not fields and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return fail("no display for a browser window: log in with --field NAME=ENV_VAR (a scripted login)")
    try:
        executable = check_browser()
    except BrowserMissing as error:
        return fail(str(error))
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    timeout = args.timeout * 1000
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=executable, args=LAUNCH_ARGS, headless=bool(fields))
            try:
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                page.goto(args.url, wait_until="load", timeout=timeout)
                if fields:
                    for selector, value in fields:
                        page.fill(selector, value, timeout=timeout)
                    with page.expect_navigation(wait_until="load", timeout=timeout):
                        page.click(args.submit or SUBMIT, timeout=timeout)
                    page.wait_for_load_state("networkidle", timeout=timeout)
                else:
                    print("log in in the browser window, then press Enter here", flush=True)
                    sys.stdin.readline()
                if args.logged_in and not page.query_selector(args.logged_in):
                    return fail(f"not logged in: no {args.logged_in!r} on {page.url.split('?', 1)[0]}")
                state = context.storage_state()
            finally:
                browser.close()
    except PlaywrightError as error:
        return fail(f"the login did not go through: {str(error).splitlines()[0]}")
    path = save_profile(state, args.profile)
    print(f"profile         {path} ({len(state.get('cookies', []))} cookies, "
          f"{len(state.get('origins', []))} origins with local storage)")
    return 0
