"""Finding article URLs: sitemaps, news sitemaps, feeds, and the URL clean-up that makes them dedup keys."""
