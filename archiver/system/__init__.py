"""Small system helpers the other parts share: child processes, SQLite files several crawls open,
secrets kept out of logs, and the registrable domain of a URL."""
