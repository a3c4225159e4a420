"""Page analysis off the crawl's thread: a pool of worker processes the spider hands its pages to."""
