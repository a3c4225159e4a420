"""Replay QA: each archived page loaded from the archive alone in headless Chromium, compared with its capture.

``index.py`` reads an archive once into a lookup table (every capture by URL, the pages,
their screenshots and rendered DOMs); ``replay.py`` loads one page in Chromium with every
request answered from that table (nothing reaches the network); ``compare.py`` scores what
the replay shows against what was captured; ``run.py`` runs pages on worker processes and
``results.py`` keeps the verdicts for ``archiver serve``. See docs/archive/qa.md.
"""
