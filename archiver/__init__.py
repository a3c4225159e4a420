"""archiver: crawl news sites into WARC files and clean article records."""

__version__ = "0.1.0"
