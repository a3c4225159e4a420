"""The package layout holds: every part in a package a reader looks for, imports in one direction.

Read from the source with ``ast`` (docs/hooks/code_picture.py, which also draws the picture on the
How it works page), so a new module that breaks a rule fails here, not in a reviewer's head.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("code_picture", REPO / "docs" / "hooks" / "code_picture.py")
code_picture = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = code_picture  # dataclasses look their module up there
spec.loader.exec_module(code_picture)

MAX_LINES = 400
# The package root keeps what Scrapy users look for there, and the package's own entry points.
ROOT_MODULES = {"archiver", "archiver.__main__", "archiver.settings"}
# What starts a crawl may name the Scrapy layer; the library below it never does.
STARTS_CRAWLS = ("archiver.cli", "archiver.crawl.runner")


@pytest.fixture(scope="module")
def found():
    return code_picture.modules(REPO)


def test_the_package_root_holds_no_loose_module(found):
    loose = [name for name, module in found.items()
             if name.count(".") == 1 and name.startswith("archiver.") and not module.is_package]
    assert sorted(set(loose) - ROOT_MODULES) == [], "put these in the package of their concern"


def test_no_module_is_over_400_lines(found):
    long = {name: n for name, module in found.items()
            if (n := len(module.path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_library_never_imports_the_scrapy_layer(found):
    upward = {name: sorted(t for t in module.imports if t.split(".")[0] in ("spiders", "pipelines"))
              for name, module in found.items()
              if name.startswith("archiver") and not name.startswith(STARTS_CRAWLS)}
    assert {name: targets for name, targets in upward.items() if targets} == {}


def test_no_import_cycle(found):
    """Counting imports inside functions and under TYPE_CHECKING: a cycle hidden there is still one."""
    graph = {name: module.imports for name, module in found.items()}
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert cycles == []


def test_every_package_says_in_two_lines_what_lives_there(found):
    for name, module in found.items():
        if module.is_package:
            text = code_picture.summary(module)
            assert text, f"{name}/__init__.py has no docstring"
            assert len(text) <= 2 * 100, f"{name}: say it in two lines"


def test_the_picture_names_every_package_and_what_it_uses(found):
    picture = code_picture.picture(REPO)
    for name, module in found.items():
        if module.is_package and code_picture.package_of(name, found) == name:  # archiver.X, not deeper
            assert f"| `{name}` (" in picture
    row = next(line for line in picture.splitlines() if line.startswith("| `pipelines`"))
    assert "`record`" in row  # the pipelines write the library's records
