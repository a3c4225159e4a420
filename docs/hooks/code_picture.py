"""MkDocs hook: "the code, in one picture" on the How it works page, read from the code at build time.

Every package of ``archiver/`` (and ``spiders``, ``pipelines``) with the first lines of its
``__init__.py`` docstring and the packages its modules import, so the page cannot drift from the
tree. ``tests/test_layout.py`` holds the rules the picture shows: no cycle, no import from the
library up into the Scrapy layer, no module over 400 lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("archiver", "spiders", "pipelines")
MARKER = "<!-- code-picture -->"


@dataclass
class Module:
    name: str  # dotted, a package by its own name
    path: Path
    is_package: bool
    imports: set[str] = field(default_factory=set)  # modules of the project it imports, anywhere in it
    top_imports: set[str] = field(default_factory=set)  # those imported when it loads (not in a function)


def modules(repo: Path = REPO) -> dict[str, Module]:
    found: dict[str, Module] = {}
    for root in ROOTS:
        for path in sorted((repo / root).rglob("*.py")):
            parts = list(path.relative_to(repo).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            found[name] = Module(name, path, is_package)
    for module in found.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        for node, at_load in _imports(tree):
            for target in _targets(module, node, found):
                module.imports.add(target)
                if at_load:
                    module.top_imports.add(target)
    return found


def _imports(tree: ast.Module):
    """(import node, runs when the module loads): ``if TYPE_CHECKING`` blocks never run."""
    def walk(nodes, at_load):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                yield node, at_load
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from walk(ast.iter_child_nodes(node), False)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                yield from walk(node.body, False)
                yield from walk(node.orelse, at_load)
            else:
                yield from walk(ast.iter_child_nodes(node), at_load)
    yield from walk(tree.body, True)


def _targets(module: Module, node, found: dict[str, Module]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in found else base for alias in node.names]
    targets = set()
    for name in names:
        while name not in found and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in found and name != module.name:
            targets.add(name)
    return targets


def package_of(name: str, found: dict[str, Module]) -> str:
    """The package a reader opens for a module: ``archiver.X`` (or ``archiver`` for the root's own
    modules), ``spiders``, ``pipelines``."""
    parts = name.split(".")
    if parts[0] != "archiver":
        return parts[0]
    return "archiver." + parts[1] if len(parts) > 1 and found.get("archiver." + parts[1], None) \
        and found["archiver." + parts[1]].is_package else "archiver"


def summary(module: Module) -> str:
    doc = ast.get_docstring(ast.parse(module.path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split())


def picture(repo: Path = REPO) -> str:
    """A Markdown table: each package, what lives there, what it uses."""
    found = modules(repo)
    packages = sorted({package_of(name, found) for name in found}, key=lambda p: (p.count(".") == 0, p))
    uses: dict[str, set[str]] = {p: set() for p in packages}
    for name, module in found.items():
        for target in module.imports:
            if package_of(target, found) != package_of(name, found):
                uses[package_of(name, found)].add(package_of(target, found))
    lines = ["| package | what lives there | uses |", "| --- | --- | --- |"]
    for package in packages:
        files = len([n for n in found if package_of(n, found) == package])
        short = lambda p: p.removeprefix("archiver.")  # noqa: E731
        used = ", ".join(f"`{short(p)}`" for p in sorted(uses[package], key=short)) or "—"
        lines.append(f"| `{package}` ({files}) | {summary(found[package]) if package in found else ''} | {used} |")
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page, config, files):
    if MARKER in markdown:
        return markdown.replace(MARKER, picture())
    return markdown
