"""Page requisites: what an archived HTML page needs to render (pure functions) and how a crawl fetches them."""
