"""Scrapy item pipelines: the article record extracted from each page, versioned against the seen-store,
written to JSON Lines and to the reading room's index."""
