"""Article links from RSS, Atom and sitemap XML, parsed without entity expansion."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree

# Untrusted XML: no entities, no DTD loading, no network, no huge trees (billion laughs, XXE).
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
)


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def feed_links(body: bytes, base_url: str) -> list[str]:
    """Links of the items of a feed, or the locations of a sitemap, in document order."""
    try:
        root = etree.fromstring(body, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    links: list[str] = []
    for element in root.iter():
        name = _local(element.tag)
        parent = _local(element.getparent().tag) if element.getparent() is not None else ""
        if name == "loc" and parent in ("url", "sitemap"):
            href = (element.text or "").strip()
        elif name == "link" and parent == "item":  # RSS 2.0
            href = (element.text or "").strip()
        elif name == "link" and parent == "entry":  # Atom
            if element.get("rel", "alternate") != "alternate":
                continue
            href = (element.get("href") or "").strip()
        else:
            continue
        if href:
            links.append(urljoin(base_url, href))
    return list(dict.fromkeys(links))
