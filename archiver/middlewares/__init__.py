"""Scrapy middlewares of the project: WARC capture, page requisites, back-off of failing hosts, resume
and the seen-store (the ``DOWNLOADER_MIDDLEWARES`` and ``SPIDER_MIDDLEWARES`` settings)."""
