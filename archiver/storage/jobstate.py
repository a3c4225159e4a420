"""Scrapy's job state (``JOBDIR``) on a full disk: not saved, one warning, and the next run resumes as after a kill.

Scrapy writes its queue, dupefilter and spider state into the job directory, usually on the
archive's disk. When that disk fills, its own writes fail with a traceback. These subclasses
stop the crawl for want of space instead (``archiver.extensions.diskspace``) and leave the
state unsaved: a run stopped that way is resumed from its start pages, every page it captured
answered from the archive (``archiver.crawl.resume.REPLAY_AFTER``), so nothing it held is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.core.scheduler import Scheduler
from scrapy.extensions.spiderstate import SpiderState

from archiver.extensions.diskspace import out_of_space_text, stop_for_space
from archiver.storage.space import is_out_of_space

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Request

logger = logging.getLogger(__name__)


class JobStateScheduler(Scheduler):
    """Scrapy's scheduler; a request it cannot write to a full disk stops the crawl, and its state is not saved."""

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as error:
            if not is_out_of_space(error) or self.crawler is None:
                raise
            stop_for_space(self.crawler, out_of_space_text("saving the crawl's queue", error, Path(self.dqdir or ".")))
            return False  # found again when the job resumes from its start pages

    def close(self, reason: str) -> Any:
        """As Scrapy's (the disk queues' state, then the dupefilter's file), each part given up on a full disk."""
        try:
            if self.dqs is not None:
                self._write_dqs_state(self.dqdir, self.dqs.close())  # type: ignore[arg-type]
        except OSError as error:
            if not is_out_of_space(error):
                raise
            logger.warning("Job state in %s not saved (%s): the next run resumes as after a kill",
                           Path(self.dqdir or ".").parent, error.strerror)
        try:
            return self.df.close(reason)
        except OSError as error:
            if not is_out_of_space(error):
                raise
            return None


class JobSpiderState(SpiderState):
    """Scrapy's ``SpiderState``; on a full disk the spider's state is not saved (one warning, no traceback)."""

    def spider_closed(self, spider: Spider) -> None:
        try:
            super().spider_closed(spider)
        except OSError as error:
            if not is_out_of_space(error):
                raise
            Path(self.statefn).unlink(missing_ok=True)  # no half-pickled state for the next run to load
            logger.warning("Spider state %s not saved (%s)", self.statefn, error.strerror)
