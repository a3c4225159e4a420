"""The docs keep their promises: every test a docs page names exists, and the README stays one screen."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import REPO

DOCS = REPO / "docs"
TEST_REF = re.compile(r"`(tests/test_[a-z0-9_]+\.py)::([A-Za-z0-9_]+)`")


def named_tests() -> list[tuple[str, str, str]]:
    return [
        (str(page.relative_to(REPO)), path, name)
        for page in sorted(DOCS.rglob("*.md"))
        for path, name in TEST_REF.findall(page.read_text(encoding="utf-8"))
    ]


def functions_in(path: str) -> set[str]:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


@pytest.mark.parametrize(("page", "path", "name"), named_tests())
def test_every_test_a_docs_page_names_exists(page, path, name):
    assert (REPO / path).is_file(), f"{page} names {path}, which does not exist"
    assert name in functions_in(path), f"{page} names {path}::{name}, which does not exist"


@pytest.mark.parametrize("page", ["archive/crash-safety.md", "archive/replay.md", "scale/distributed.md",
                                  "archive/damage.md", "crawling/exit-codes.md", "archive/reading-room.md",
                                  "archive/requisites.md", "archive/disk-space.md", "crawling/scope.md",
                                  "archive/qa.md"])
def test_promise_pages_name_a_test_for_every_promise(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    table = text.split("| promise | test that checks it |", 1)
    assert len(table) == 2, f"docs/{page} has no promise table"
    rows = [row for row in table[1].splitlines() if row.startswith("| ") and not row.startswith("| ---")]
    assert rows and all(TEST_REF.search(row) for row in rows)


def test_readme_is_one_screen_and_holds_the_two_commands_ci_runs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    install, tests = "python3 -m venv .venv && .venv/bin/pip install '.[test]'", ".venv/bin/python -m pytest"
    assert f"{install} && {tests}" in readme
    # CI runs it in two steps: the install, then the tests in a loopback-only network namespace.
    assert f"\n{install}\n" in ci and re.search(r"\.ci/offline bash -c '[^']*\n\s*" + re.escape(tests) + r"\n'", ci)
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/archiver demo" in readme


def test_readme_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", readme):
        assert (REPO / target).exists(), f"README links to {target}, which does not exist"


def test_the_cli_reference_documents_every_command_sub_command_and_option():
    import argparse
    import importlib.util

    from archiver.cli import build_parser

    spec = importlib.util.spec_from_file_location("reference_hook", DOCS / "hooks" / "reference.py")
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    page = reference.cli_page()

    def walk(parser: argparse.ArgumentParser, name: str):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from walk(sub, f"{name} {sub_name}".strip())

    commands = list(walk(build_parser(), ""))[1:]
    assert ("cdx update" in dict(commands)) and ("cdx compact" in dict(commands))
    for name, parser in commands:
        assert f"# {name}\n" in page, name
        section = page.split(f"# {name}\n", 1)[1]
        for action in parser._actions:
            if action.option_strings and not isinstance(action, argparse._HelpAction):
                assert f"`{action.option_strings[0]}" in section, (name, action.option_strings)
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows and all(not line.rstrip().endswith("|  |") for line in rows), "a row without a meaning"
