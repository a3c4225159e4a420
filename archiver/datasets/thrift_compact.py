"""Thrift's compact protocol, read into plain values and written back byte for byte: what a Parquet footer is.

A struct is a list of ``[field id, type, value]`` in the order written; a list is ``(element type, [values])``.
Nothing is known of the fields' meaning here (``parquet_parts.py`` knows the few it changes), so a
footer read and written back unchanged is the same bytes.
"""

from __future__ import annotations

import struct
from typing import Any

TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT = range(1, 13)


class Reader:
    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.position = position

    def byte(self) -> int:
        value = self.data[self.position]
        self.position += 1
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7

    def integer(self) -> int:
        value = self.varint()
        return (value >> 1) ^ -(value & 1)

    def value(self, kind: int) -> Any:
        if kind in (TRUE, FALSE):  # in a list: one byte each
            return self.byte() == TRUE
        if kind == BYTE:
            return self.byte()
        if kind in (I16, I32, I64):
            return self.integer()
        if kind == DOUBLE:
            self.position += 8
            return struct.unpack_from("<d", self.data, self.position - 8)[0]
        if kind == BINARY:
            size = self.varint()
            self.position += size
            return self.data[self.position - size:self.position]
        if kind in (LIST, SET):
            header = self.byte()
            size = header >> 4
            if size == 15:
                size = self.varint()
            element = header & 0x0F
            return element, [self.value(element) for _ in range(size)]
        if kind == STRUCT:
            return self.struct()
        raise ValueError(f"thrift type {kind} is not read here")  # maps: no Parquet footer has one

    def struct(self) -> list[list[Any]]:
        fields: list[list[Any]] = []
        last = 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            kind, delta = header & 0x0F, header >> 4
            last = last + delta if delta else self.integer()
            fields.append([last, kind, True if kind == TRUE else False if kind == FALSE else self.value(kind)])


def read_struct(data: bytes) -> list[list[Any]]:
    return Reader(data).struct()


def _varint(value: int, out: bytearray) -> None:
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _integer(value: int, out: bytearray) -> None:
    _varint((value << 1) ^ (value >> 63), out)


class Hole(int):
    """An integer ``write_struct`` leaves out, noting where it goes (``holes``): filled in later (``fill``)."""


def fill(data: bytes, holes: list[tuple[int, int]], add: int) -> bytes:
    """``data`` with each hole's integer, plus ``add``, written where it goes."""
    pieces, done = [], 0
    for position, value in holes:
        pieces.append(data[done:position])
        number = bytearray()
        _integer(value + add, number)
        pieces.append(number)
        done = position
    pieces.append(data[done:])
    return b"".join(pieces)


def _value(kind: int, value: Any, out: bytearray, holes: list[tuple[int, int]] | None = None) -> None:
    if kind in (TRUE, FALSE):
        out.append(TRUE if value else FALSE)
    elif kind == BYTE:
        out.append(value)
    elif kind in (I16, I32, I64):
        if holes is not None and isinstance(value, Hole):
            holes.append((len(out), int(value)))
        else:
            _integer(value, out)
    elif kind == DOUBLE:
        out += struct.pack("<d", value)
    elif kind == BINARY:
        _varint(len(value), out)
        out += value
    elif kind in (LIST, SET):
        element, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | element)
        else:
            out.append(0xF0 | element)
            _varint(len(items), out)
        for item in items:
            _value(element, item, out, holes)
    elif kind == STRUCT:
        if isinstance(value, (bytes, bytearray)):  # written before (``write_struct``)
            out += value
        else:
            write_struct(value, out, holes)
    else:
        raise ValueError(f"thrift type {kind} is not written here")


def write_struct(fields: list[list[Any]], out: bytearray | None = None, holes: list[tuple[int, int]] | None = None,
                 last: int = 0, stop: bool = True) -> bytearray:
    """The struct's bytes (into ``out``); ``Hole`` integers left out and noted in ``holes``, when given. ``last``
    and ``stop``: for a run of fields inside a struct written in pieces."""
    out = bytearray() if out is None else out
    for number, kind, value in fields:
        if kind in (TRUE, FALSE):
            kind = TRUE if value else FALSE
        delta = number - last
        if 0 < delta <= 15:
            out.append(delta << 4 | kind)
        else:
            out.append(kind)
            _integer(number, out)
        last = number
        if kind not in (TRUE, FALSE):
            _value(kind, value, out, holes)
    if stop:
        out.append(0)
    return out
