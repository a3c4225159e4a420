"""WARC files: writing, reading (damage tolerated), CDXJ and ZipNum indexes, digests for revisits,
verification, WACZ packaging and replay in pywb."""
