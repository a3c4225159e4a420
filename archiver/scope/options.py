"""A crawl's own scope rules: ``--scope KEY=VALUE`` on the command line, the ``SCOPE_*`` settings.

The keys are the sites file's (``archiver.crawl.sites.SCOPE_KEYS``); a crawl's rules apply to every site
that does not set the key itself (in its ``[[site]]`` table or the file's ``[defaults]``).
"""

from __future__ import annotations

from typing import Any

from archiver.scope.rules import ANY
from archiver.crawl.sites import SCOPE_KEYS

# Sites-file key -> setting (SCOPE_ALLOW, ..., SCOPE_REQUISITE_DENY); list keys take one value per --scope
# (a pattern may hold commas).
SETTINGS = {key: f"SCOPE_{key.upper()}" for key in SCOPE_KEYS}
SINGLE = {"requisites"}


class ScopeOptionError(ValueError):
    """A ``--scope`` value that cannot be used; the message says which and why."""


def settings_from_options(values: list[str]) -> dict[str, Any]:
    """``["requisites=site", "requisite_hosts=cdn.example.net"]`` -> the SCOPE_* settings they set."""
    from archiver.crawl.sites import scope_options

    raw: dict[str, Any] = {}
    for value in values:
        key, sep, rule = value.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in SETTINGS:
            raise ScopeOptionError(f"--scope takes KEY=VALUE with KEY one of {', '.join(SETTINGS)}, got {value!r}")
        if key in SINGLE:
            raw[key] = rule.strip()
        else:
            raw.setdefault(key, []).append(rule.strip() if key == "requisite_hosts" else rule)
    problems: list[str] = []
    scope_options(raw, problems)
    if problems:
        raise ScopeOptionError("--scope: " + "; ".join(problems))
    return {SETTINGS[key]: rule for key, rule in raw.items()}


def crawl_scope(settings: Any) -> dict[str, Any]:
    """The crawl's scope keys from the SCOPE_* settings, those that say something (for archiver.crawl.sites)."""
    found: dict[str, Any] = {}
    for key, name in SETTINGS.items():
        if key in SINGLE:
            value = settings.get(name) or ANY
            if value != ANY:
                found[key] = value
        else:
            value = settings.getlist(name)
            if value:
                found[key] = list(value)
    return found
