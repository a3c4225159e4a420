"""The Redis client for distributed mode, from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy_redis.connection import get_redis_from_settings

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.settings import BaseSettings


def redis_from_settings(settings: BaseSettings) -> Redis:
    """A client for ``REDIS_URL`` (bytes responses: payloads are binary-safe)."""
    return get_redis_from_settings(settings)


def redis_text(value: bytes | str | None) -> str | None:
    """A Redis reply as text (the client returns bytes: request payloads must stay binary-safe)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value
