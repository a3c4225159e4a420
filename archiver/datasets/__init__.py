"""Datasets from an archive: export (JSON Lines, CSV, Parquet, Hugging Face), re-extraction, stats.

Everything here streams: memory stays flat however many records the archive holds.
"""
