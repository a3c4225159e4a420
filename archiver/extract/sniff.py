"""Is this "HTML" really a binary file (an image, a PDF, an archive) served as ``text/html``?"""

from __future__ import annotations

import re

# File signatures at offset 0: images, documents, archives, media, executables.
MAGIC = (
    b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BZh",
    b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"OggS", b"fLaC", b"ID3", b"\x00\x00\x01\x00",
    b"II*\x00", b"MM\x00*", b"\x7fELF", b"MZ", b"\x00asm", b"wOFF", b"wOF2", b"\xd0\xcf\x11\xe0", b"(\xb5/\xfd",
)
# Bytes no text in any 8-bit charset or UTF-8 contains (controls other than tab, line feed, form feed,
# carriage return and escape); a page with this share of them in its head is binary.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
MAX_CONTROL_SHARE = 0.05
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
HEAD_BYTES = 8192
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def looks_binary(data: bytes | str) -> bool:
    """A known file signature, or too many control bytes in the first 8 KiB ("invalid text")."""
    if isinstance(data, str):
        head = data[:HEAD_BYTES]
        if not head:
            return False
        return len(_CONTROL_CHARS.findall(head)) > MAX_CONTROL_SHARE * len(head)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return False
    head = bytes(data[:HEAD_BYTES])
    if not head or head.startswith(_UTF16_BOMS) or head.startswith((b"\x00\x00\xfe\xff",)):
        return False
    if head.startswith(MAGIC) or head[4:12] in (b"ftypisom", b"ftypmp42") or head[:4] == b"RIFF" and head[8:12] in (
            b"WEBP", b"WAVE", b"AVI "):
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > MAX_CONTROL_SHARE * len(head)
