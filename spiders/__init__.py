"""The project's spiders (Scrapy's SPIDER_MODULES)."""

# Listing spiders (scrapy list, Scrapyd's deploy) imports what the crawl will need, so a host
# without the project's dependencies fails the deploy rather than every job (archiver.components).
from archiver.components import require_components

require_components()
