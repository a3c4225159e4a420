"""The reading room: search, read, compare and browse an archive's articles in a web browser."""
