"""How a crawl runs: the runner, the sites file and its schedule, resume and reconciliation after a
crash, the seen-store of what the archive holds, and the Scrapy add-ons and dependency checks."""
