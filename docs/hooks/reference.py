"""MkDocs hook: the reference pages are generated from the code at build time, so they cannot drift.

- ``reference/cli.md`` from the argparse parser of ``archiver`` (``archiver.cli.build_parser``);
- ``reference/settings.md`` from ``archiver/settings.py``: every setting, its default and the comment
  above it;
- ``reference/schema.md`` from the record's JSON Schema (``archiver.record.schema.article_schema``).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def on_files(files, config):
    from mkdocs.structure.files import File  # here: the tests render the pages without MkDocs installed

    for name, render in (("cli", cli_page), ("settings", settings_page), ("schema", schema_page)):
        files.append(File.generated(config, f"reference/{name}.md", content=render()))
    return files


# -- CLI -------------------------------------------------------------------------------------------


def cli_page() -> str:
    from archiver.cli import build_parser

    subparsers = subcommands(build_parser())
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    out = [
        "# Command line",
        "",
        "Generated from the `archiver` argument parser (`archiver/cli/`). `archiver COMMAND --help` prints the same.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    out += [f"| [`{name}`](#{name}) | {cell(helps.get(name) or '')} |" for name in subparsers.choices]
    for name, sub in subparsers.choices.items():
        out += command_section(name, sub, helps.get(name), level=2)
    return "\n".join(out) + "\n"


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def command_section(name: str, parser: argparse.ArgumentParser, help_text: str | None, level: int) -> list[str]:
    """A command's heading, description, usage and options; then each of its own sub-commands (``cdx update``)."""
    out = ["", f"{'#' * level} {name}", "", cell(parser.description or help_text or ""), ""]
    out += ["```text", parser.format_usage().strip(), "```", ""]
    inner = subcommands(parser)
    rows = [action_row(a) for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    if rows:
        out += ["| argument | default | meaning |", "| --- | --- | --- |", *rows]
    if inner is not None:
        helps = {choice.dest: choice.help for choice in inner._choices_actions}
        for action_name, sub in inner.choices.items():
            out += command_section(f"{name} {action_name}", sub, helps.get(action_name), level + 1)
    return out


def action_row(action: argparse.Action) -> str:
    if isinstance(action, argparse._SubParsersAction):  # its choices, each with a section of its own below
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        choices = "; ".join(f"`{name}`: {helps.get(name, '')}" for name in action.choices)
        return f"| `{action.metavar or action.dest.upper()}` |  | {cell(choices)} |"
    if action.option_strings:
        names = ", ".join(action.option_strings)
        if action.nargs != 0:
            names += f" {action.metavar or action.dest.upper()}"
    else:
        names = action.metavar or action.dest
    default = action.default
    shown = "" if default in (None, argparse.SUPPRESS, False, [], "") or action.nargs == 0 else f"`{default}`"
    return f"| `{names}` | {shown} | {cell((action.help or '') % vars(action) if action.help else '')} |"


def cell(text: str) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- Settings --------------------------------------------------------------------------------------


def settings_page() -> str:
    path = REPO / "archiver" / "settings.py"
    source = path.read_text(encoding="utf-8")
    comments = comments_by_line(source)
    out = [
        "# Settings",
        "",
        "Generated from `archiver/settings.py`, the one place that holds every default. Override one with",
        "`archiver crawl -s NAME=VALUE`, `scrapy crawl news -s NAME=VALUE` or Scrapyd's `-d setting=NAME=VALUE`.",
    ]
    section_open = False
    for node in ast.parse(source).body:
        heading = section_heading(comments, node.lineno)
        if heading:
            out += ["", f"## {heading}", "", "| setting | default | meaning |", "| --- | --- | --- |"]
            section_open = True
        if not isinstance(node, ast.Assign) or not all(isinstance(t, ast.Name) for t in node.targets):
            continue
        if not section_open:
            out += ["", "## General", "", "| setting | default | meaning |", "| --- | --- | --- |"]
            section_open = True
        value = ast.get_source_segment(source, node.value) or ""
        value = " ".join(value.split())
        if len(value) > 80:
            value = value[:77] + "..."
        text = " ".join(explanation(comments, node.lineno, node.end_lineno))
        for target in node.targets:
            out.append(f"| `{target.id}` | `{cell(value)}` | {cell(text)} |")
    return "\n".join(out) + "\n"


def comments_by_line(source: str) -> dict[int, str]:
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = (token.string.lstrip("#").strip(), token.line.strip().startswith("#"))
    return found


SECTION = re.compile(r"^--\s*(.+?)\s*-*$")


def section_heading(comments: dict, lineno: int) -> str | None:
    """The ``# -- Name ----`` comment in the block of comments right above ``lineno``."""
    line = lineno - 1
    while line in comments and comments[line][1]:
        match = SECTION.match(comments[line][0])
        if match:
            return match.group(1).rstrip("- ").strip()
        line -= 1
    return None


def explanation(comments: dict, first: int, last: int) -> list[str]:
    """The whole-line comments right above an assignment (up to a section heading), then its inline ones."""
    above = []
    line = first - 1
    while line in comments and comments[line][1] and not SECTION.match(comments[line][0]):
        above.insert(0, comments[line][0])
        line -= 1
    inline = [comments[n][0] for n in range(first, last + 1) if n in comments and not comments[n][1]]
    return above + inline


# -- Record schema ---------------------------------------------------------------------------------


def schema_page() -> str:
    from archiver.record.schema import article_schema, schema_versions

    schema = article_schema()
    out = [
        "# Record schema",
        "",
        f"Generated from the JSON Schema that ships in the package (`archiver/record/schema/`), version "
        f"`{schema.get('properties', {}).get('schema_version', {}).get('const', '') or current_version()}`. "
        f"Frozen versions: {', '.join(f'`{v}`' for v in schema_versions())}. "
        "See [Article records](../records/records.md) for how versions change.",
        "",
        "| field | type | meaning |",
        "| --- | --- | --- |",
    ]
    out += list(field_rows(schema))
    out += ["", "## The schema itself", "", "```json", json.dumps(schema, indent=2, ensure_ascii=False), "```"]
    return "\n".join(out) + "\n"


def current_version() -> str:
    from archiver.record.items import SCHEMA_VERSION

    return SCHEMA_VERSION


def field_rows(node: dict, prefix: str = ""):
    for name, sub in node.get("properties", {}).items():
        yield f"| `{prefix}{name}` | {cell(type_of(sub))} | {cell(sub.get('description', ''))} |"
        inner = sub.get("items", sub) if "items" in sub else sub
        if inner.get("properties"):
            yield from field_rows(inner, f"{prefix}{name}{'[]' if 'items' in sub else ''}.")


def type_of(node: dict) -> str:
    kind = node.get("type")
    if kind is None and "anyOf" in node:
        return " or ".join(type_of(n) for n in node["anyOf"])
    if isinstance(kind, list):
        return " or ".join(type_of({**node, "type": k}) for k in kind)
    if kind == "array":
        return f"list of {type_of(node.get('items', {}))}"
    return kind or "any"
