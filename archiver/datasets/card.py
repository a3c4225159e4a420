"""The ``README.md`` dataset card of a Hugging Face export: YAML metadata, then what is in it and how it was made."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from archiver.datasets.columns import Column, hf_features, type_label
from archiver.datasets.summary import NONE, Summary

# Strings YAML reads back as the same string when written unquoted.
PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_./<>*+-]*$")
YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
DEFAULT_LICENSE = "other"
RIGHTS = ("The articles are the publishers' work: their rights vary by publisher and country, and most "
          "news sites reserve them. The card's `license` metadata was set by whoever made this export "
          "(`archiver export --license`); it cannot grant rights the publishers did not. Check each "
          "publisher's terms before you redistribute or train on the text.")
SIZE_CATEGORIES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")]


@dataclass
class CardInfo:
    """How the export was made, for the card's last section."""

    name: str
    archiver_version: str
    schema_version: str
    created: str  # UTC ISO 8601
    selection: str  # "latest version per canonical URL" or "every version"
    filters: list[str] = field(default_factory=list)
    source: str = "archive"
    command: str = ""
    split: str = "train"
    files: list[str] = field(default_factory=list)
    license: str = DEFAULT_LICENSE  # the card's `license` key: a Hub license id, or "other"


def size_category(n: int) -> str:
    for limit, label in SIZE_CATEGORIES:
        if n < limit:
            return label
    return "n>100M"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if PLAIN.match(text) and text.lower() not in YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML for dicts, lists and scalars (enough for a card's metadata)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines += to_yaml(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {_empty_or_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = to_yaml(item, indent + 2)
                inner[0] = f"{pad}- {inner[0][indent + 2:]}"
                lines += inner
            else:
                lines.append(f"{pad}- {_empty_or_scalar(item)}")
    return lines


def card_metadata(info: CardInfo, summary: Summary, columns: list[Column], num_bytes: int) -> dict[str, Any]:
    languages = [lang for lang, _ in summary.languages.most_common() if lang != NONE]
    metadata: dict[str, Any] = {"pretty_name": info.name, "license": info.license}
    if languages:
        metadata["language"] = languages
    metadata.update({
        "size_categories": [size_category(summary.records)],
        "tags": ["news", "warc", "archiver"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": info.split, "path": f"data/{info.split}-*"}]}],
        "dataset_info": {
            "features": hf_features(columns),
            "splits": [{"name": info.split, "num_bytes": num_bytes, "num_examples": summary.records}],
        },
    })
    return metadata


def _table(rows: list[tuple[str, Any]], head: tuple[str, str]) -> list[str]:
    lines = [f"| {head[0]} | {head[1]} |", "| --- | --- |"]
    return lines + [f"| {a} | {b} |" for a, b in rows]


def _counts(counter_items: list[tuple[str, int]], head: str) -> list[str]:
    return _table([(f"`{k}`", f"{v:,}") for k, v in counter_items], (head, "articles"))


def _markdown(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _fields(columns: list[Column]) -> list[str]:
    lines = ["| field | type | meaning |", "| --- | --- | --- |"]
    return lines + [f"| `{c.name}` | `{type_label(c.shape)}` | {_markdown(c.description)} |" for c in columns]


def render_card(info: CardInfo, summary: Summary, columns: list[Column], num_bytes: int) -> str:
    """The whole ``README.md``."""
    meta = to_yaml(card_metadata(info, summary, columns, num_bytes))
    s = summary
    published = f"{s.published_first} to {s.published_last}" if s.published_first else "unknown"
    fetched = f"{s.fetched_first} to {s.fetched_last}" if s.fetched_first else "unknown"
    lines = ["---", *meta, "---", "", f"# {info.name}", "",
             f"News articles archived with [archiver](https://github.com/archiver-news/archiver): "
             f"{s.records:,} article records from {len(s.sites):,} site(s), one row per article, "
             f"each pointing at the WARC record of the HTTP response it was extracted from.", "",
             "## Contents", "",
             *_table([("articles", f"{s.records:,}"), ("sites", f"{len(s.sites):,}"),
                      ("languages", ", ".join(f"{k} ({v:,})" for k, v in s.languages.most_common())),
                      ("published", published), ("fetched", fetched),
                      ("body text", f"{s.body_chars:,} characters")], ("", "")), "",
             "### Articles per site", "",
             "`site` is the column of that name: the registrable domain of the article's URL.", "",
             *_counts(s.sites.most_common(), "site"), "",
             "### Articles per language", "", *_counts(s.languages.most_common(), "language"), "",
             "### Articles per month of publication", "",
             *_counts(list(s.published_months().items()) + ([("(no date)", s.no_published)] if s.no_published else []),
                      "month"), "",
             "### Quality", "", *_table([(k.replace("_", " "), f"{v:,}") for k, v in s.quality().items()],
                                        ("check", "articles")), "",
             "## How it was made", "",
             "- Crawled with archiver (Scrapy): every HTTP request and response was kept as it came off the wire "
             "in WARC/1.1 files; the article record was extracted from the response by `archiver.extract`.",
             f"- Selection: {info.selection}" + (f"; filters: {'; '.join(info.filters)}" if info.filters else "")
             + ".",
             f"- Record schema version {info.schema_version}; extractor version(s): "
             + ", ".join(f"{k} ({v:,})" for k, v in s.extractor_versions.most_common()) + ".",
             f"- Exported from `{info.source}` by archiver {info.archiver_version} on {info.created}"
             + (f" with `{info.command}`" if info.command else "") + ".",
             f"- Files: {', '.join(f'`{name}`' for name in info.files)} (Parquet, zstd).",
             "- The `warc` column gives the WARC file (relative to the archive folder), the record id, and the "
             "byte offset and length of the record's gzip member: seek there and read one record with warcio "
             "to get the exact response.", "",
             "## License", "", f"`{info.license}`. {RIGHTS}", "",
             "## Fields", "",
             *_fields(columns),
             ""]
    return "\n".join(lines)
