"""The project's spiders (Scrapy's SPIDER_MODULES)."""

# Listing spiders (scrapy list, Scrapyd's deploy) checks the crawl's dependencies, so a host
# without them fails the deploy rather than every job (archiver.crawl.components).
from archiver.crawl.components import require_dependencies

require_dependencies()
