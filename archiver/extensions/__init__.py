"""Scrapy extensions of the project (the ``EXTENSIONS`` setting)."""
