"""Requests in Redis as JSON, not pickle: a shared Redis must not be a way to run code on workers."""

from __future__ import annotations

import base64
import json
from typing import Any

# Request classes a queued request may name (``Request.to_dict()`` writes "_class" for subclasses).
ALLOWED_CLASSES = {
    "scrapy.http.request.Request",
    "scrapy.http.request.form.FormRequest",
    "scrapy.http.request.json_request.JsonRequest",
}


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if any(isinstance(key, bytes) for key in value):  # Headers: bytes names
            return {"__bkeys__": [[_encode(k), _encode(v)] for k, v in value.items()]}
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        if set(value) == {"__bkeys__"}:
            return {_decode(k): _decode(v) for k, v in value["__bkeys__"]}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(request_dict: dict[str, Any]) -> bytes:
    """Serialise ``Request.to_dict()`` output (bytes bodies and header names included)."""
    return json.dumps(_encode(request_dict), separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    request_dict: dict[str, Any] = _decode(json.loads(data))
    request_class = request_dict.get("_class")
    if request_class is not None and request_class not in ALLOWED_CLASSES:
        raise ValueError(f"refusing to load a queued request of class {request_class!r}")
    return request_dict
