"""The reading room's icon: a folded newspaper, as SVG (pages link it) and as ICO (what browsers ask for)."""

from __future__ import annotations

import io
from functools import lru_cache

INK, PAPER = "#1a4f8b", "#fbfaf7"
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="6" fill="{INK}"/>
<rect x="6" y="7" width="20" height="18" rx="1.5" fill="{PAPER}"/>
<rect x="9" y="10" width="14" height="3" fill="{INK}"/>
<rect x="9" y="15" width="6" height="7" fill="{INK}" opacity=".55"/>
<rect x="17" y="15" width="6" height="1.5" fill="{INK}"/><rect x="17" y="18" width="6" height="1.5" fill="{INK}"/>
<rect x="17" y="21" width="6" height="1.5" fill="{INK}"/>
</svg>
"""


@lru_cache(maxsize=1)
def ico() -> bytes:
    """The same drawing in 16 and 32 pixels, drawn with Pillow (no image file to keep in step with the SVG)."""
    from PIL import Image, ImageDraw

    size = 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    scale = size / 32

    def box(x: float, y: float, w: float, h: float, fill: str) -> None:
        draw.rectangle([x * scale, y * scale, (x + w) * scale - 1, (y + h) * scale - 1], fill=fill)

    draw.rounded_rectangle([0, 0, size - 1, size - 1], radius=6 * scale, fill=INK)
    box(6, 7, 20, 18, PAPER)
    box(9, 10, 14, 3, INK)
    box(9, 15, 6, 7, "#8aa5c5")
    for y in (15, 18, 21):
        box(17, y, 6, 1.5, INK)
    out = io.BytesIO()
    image.save(out, format="ICO", sizes=[(16, 16), (32, 32)])
    return out.getvalue()
