"""A record as one line of JSON: what the records files hold, whoever writes them."""

from __future__ import annotations

import json

from itemadapter import ItemAdapter

from archiver.record.items import Article


def record_json(article: Article) -> str:
    """One record as one line of JSON (UTF-8, keys in schema order)."""
    return json.dumps(ItemAdapter(article).asdict(), ensure_ascii=False, separators=(",", ":"))
