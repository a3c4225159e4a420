"""A record as one line of JSON: what the records files hold, whoever writes them."""

from __future__ import annotations

import json
from dataclasses import fields
from functools import cache
from typing import Any

from itemadapter import ItemAdapter

from archiver.record.items import Article


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def record_dict(article: Article) -> dict[str, Any]:
    """The record's fields in schema order, their values as they are (not copied). ``ItemAdapter.asdict``
    copies every nested list and dict and asks of each value whether it is an item: a page with a long
    capture list cost the crawl's thread milliseconds a record."""
    return {name: getattr(article, name) for name in _field_names(type(article))}


def _nested_item(value: Any) -> Any:
    """A dataclass or Scrapy item inside a record (none is today) as ItemAdapter would give it."""
    if ItemAdapter.is_item(value):
        return ItemAdapter(value).asdict()
    raise TypeError(f"{type(value).__name__} in a record is not JSON")


def record_json(article: Article) -> str:
    """One record as one line of JSON (UTF-8, keys in schema order)."""
    return json.dumps(record_dict(article), ensure_ascii=False, separators=(",", ":"), default=_nested_item)
