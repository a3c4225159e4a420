"""Browser profiles: a reader's login (cookies and local storage) for browser-mode crawls.

A profile is a Playwright *storage state*, a JSON file of cookies and of local storage by
origin, made by ``archiver browser-login``. It is a credential: written readable by its
owner alone, never inside an archive folder (archives are shared, packaged as WACZ, served),
never logged, and its cookies never go into the WARC request records (the crawl drops
``Cookie`` request headers of profiled pages whatever ``WARC_STORE_CREDENTIALS`` says).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

PROFILE_FILE = "storage-state.json"  # the file of a profile given as a folder


class ProfileError(Exception):
    """A profile that cannot be used; the message is one line (it never quotes the profile's content)."""


def profile_file(path: str | Path) -> Path:
    """The storage-state file of a profile given as a file or as a folder holding ``storage-state.json``."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / PROFILE_FILE
    if not path.is_file():
        raise ProfileError(f"no browser profile at {path} (make one with `archiver browser-login URL --profile "
                           f"{path}`)")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ProfileError(f"{path} is not a browser profile (a Playwright storage state, JSON): "
                           f"{type(error).__name__}") from None
    if not isinstance(state, dict) or not isinstance(state.get("cookies", []), list) \
            or not isinstance(state.get("origins", []), list):
        raise ProfileError(f"{path} is not a browser profile: it needs lists of cookies and origins")
    return path.resolve()


def refuse_inside(profile: Path, archive: Path) -> None:
    """A profile inside the archive folder would be served, packaged and copied with it: refused."""
    folder = Path(archive).expanduser().resolve()
    if Path(profile).resolve().is_relative_to(folder):
        raise ProfileError(f"the browser profile {profile} is inside the archive folder {folder}: move it out "
                           "(archives are shared; a profile is a login)")


def save_profile(state: dict[str, Any], path: str | Path) -> Path:
    """Write a storage state readable by its owner alone (0600), whole or not at all."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / PROFILE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".profile-", suffix=".partial")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:  # mkstemp makes it 0600
            json.dump(state, out)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path
