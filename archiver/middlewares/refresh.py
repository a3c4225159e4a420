"""Scrapy's meta refresh where a browser follows one: in pages and frames, never in the answer to an
image, a stylesheet, a script or a font (a browser does not read HTML there, so the archive fetches no
more than a reader's browser did; and the page an error answer refreshes to is not a requisite)."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import Response

from archiver.capture.fetch import REQUISITE_META
from archiver.capture.requisites import FRAME


class DocumentMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        kind = request.meta.get(REQUISITE_META)
        if kind is not None and kind != FRAME:
            return response
        return super().process_response(request, response)
