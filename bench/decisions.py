"""The fitted decisions of extraction, as bench/crossval.py fits and scores them.

Each decision builds (features, label) rows from the extraction traces of the pages it is fitted
on, fits a logistic regression (scikit-learn, bench only), predicts a held-out page's value from
that page's trace alone, and exports its weights in ``weights.json``'s form.
"""

from __future__ import annotations

import re
from collections import Counter

from corpora import SHARED

_WORD = re.compile(r"\w+")


def words(text: str | None) -> list[str]:
    return _WORD.findall(text or "")


def _logistic(rows: list[dict[str, float]], labels: list[bool], features, balanced: bool = True, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    from archiver.extract.model import LinearModel

    names = [f.name for f in features]
    matrix = [[row.get(name, 0.0) for name in names] for row in rows]
    if len(set(labels)) < 2:
        return None
    fitted = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
    fitted.fit(matrix, labels)
    weights = {name: round(float(w), 4) for name, w in zip(names, fitted.coef_[0])}
    return LinearModel("fitted", tuple(features), weights, round(float(fitted.intercept_[0]), 4))


def _ranking(groups: list[tuple[list[dict[str, float]], list[float]]], features, c: float = 1.0,
             margin: float = 0.02, per_page: int = 40):
    """A pairwise ranking model (logistic regression on feature differences): for each page, every
    candidate within ``margin`` / 4 of its best quality should score above every candidate ``margin``
    below it. The weights' argmax picks a page's best candidate; the bias is 0."""
    from sklearn.linear_model import LogisticRegression

    from archiver.extract.model import LinearModel

    names = [f.name for f in features]
    diffs, labels, weights = [], [], []
    for candidates, quality in groups:
        if not candidates:
            continue
        best = max(quality)
        good = [i for i, q in enumerate(quality) if q >= best - margin / 4]
        bad = [i for i, q in enumerate(quality) if q < best - margin]
        pairs = [(g, b) for g in good for b in bad][:per_page]
        for n, (g, b) in enumerate(pairs):
            row = [candidates[g].get(k, 0.0) - candidates[b].get(k, 0.0) for k in names]
            if n % 2:
                row, label = [-v for v in row], False
            else:
                label = True
            diffs.append(row)
            labels.append(label)
            weights.append(quality[g] - quality[b])  # a pair matters as much as the quality it separates
    if len(set(labels)) < 2:
        return None
    fitted = LogisticRegression(C=c, max_iter=5000, fit_intercept=False).fit(diffs, labels, sample_weight=weights)
    weights = {name: round(float(w), 4) for name, w in zip(names, fitted.coef_[0])}
    return LinearModel("fitted", tuple(features), weights, 0.0)


def _export(name: str, model) -> dict:
    exported = {"bias": model.bias, "weights": {k: v for k, v in model.weights.items() if v}}
    if model.threshold:
        exported["threshold"] = model.threshold
    return {name: exported}


ARTICLE_RECALL_SHIFT = 0.005


class PageKind:
    """Article or not (``page-kind``), then listing or other (``listing-kind``)."""

    def fit(self, pages, extracted):
        from archiver.extract.pagekind import FEATURES, feature_values

        rows = [feature_values(trace["page-kind"]) for trace, _ in extracted]
        labels = [p.kind == "article" for p in pages]
        article = _logistic(rows, labels, FEATURES, balanced=False, c=3.0)
        # The operating point: the bias moves down until 99.5 % of the articles fitted on are called
        # articles (a lost article costs a record; a page wrongly kept costs a row a filter drops).
        logits = sorted(article.logit(row) for row, label in zip(rows, labels) if label)
        lowest = logits[int(ARTICLE_RECALL_SHIFT * len(logits))]
        if lowest < 0:
            article.bias = round(article.bias - lowest, 4)
        others = [(row, p) for row, p in zip(rows, pages) if p.kind != "article"]
        listing = _logistic([r for r, _ in others], [p.kind == "listing" for _, p in others], FEATURES)
        return article, listing

    def predict(self, model, page, extracted):
        from archiver.extract.pagekind import judge

        trace, _ = extracted
        return judge(trace["page-kind"], *model).kind

    def export(self, model):
        return {**_export("page-kind", model[0]), **_export("listing-kind", model[1])}


class BodyContainer:
    """The element holding the story (``body-container``): among each page's candidates, those whose
    text scores within 0.02 of the page's best F1 are right. Then the blocks of mostly links in it
    (``body-links``): one is right to keep when its text is in the labelled body."""

    def __init__(self) -> None:
        self.scorer = None

    def f1s(self, page, trace) -> list[float]:
        if self.scorer is None:
            self.scorer = _load_scorer()
        key = "_f1s"
        if key not in trace:
            trace[key] = [self.scorer.score_page(page.truth.get("articleBody", ""), text).page_f1
                          for text in trace.get("body-texts", [])]
        return trace[key]

    def fit(self, pages, extracted):
        from archiver.extract.container import FEATURES

        groups = []
        for page, (trace, _) in zip(pages, extracted):
            if page.kind != "article" or not trace.get("body-container"):
                continue
            f1s = self.f1s(page, trace)
            if max(f1s) < 0.3:
                continue  # no candidate holds the story: nothing to learn from the page
            groups.append((trace["body-container"], f1s))
        ranking = _ranking([([v for _, v in found], f1s) for found, f1s in groups], FEATURES)
        return ranking, self.fit_links(pages, extracted)

    def fit_links(self, pages, extracted):
        """Logistic regression over the link blocks of each page's best candidate, each weighted by its share
        of the page's labelled body: a block is right to keep when its words are in that body."""
        from sklearn.linear_model import LogisticRegression

        from archiver.extract.body import LINK_FEATURES, link_features
        from archiver.extract.model import LinearModel

        names = [f.name for f in LINK_FEATURES]
        rows, labels, weights = [], [], []
        for page, (trace, _) in zip(pages, extracted):
            if page.kind != "article" or not trace.get("body-blocks"):
                continue
            f1s = self.f1s(page, trace)
            best = max(range(len(f1s)), key=f1s.__getitem__)
            if f1s[best] < 0.5:
                continue
            truth = " ".join(words(page.truth.get("articleBody", "").casefold()))
            blocks = trace["body-blocks"][best]
            for n, values in link_features(blocks).items():
                text = " ".join(words(blocks[n][0].casefold()))
                if not text:
                    continue
                rows.append([values.get(k, 0.0) for k in names])
                labels.append(text in truth)
                weights.append(len(text))
        if len(set(labels)) < 2:
            return None
        mean = sum(weights) / len(weights)
        weights = [w / mean for w in weights]  # as many as the blocks, for the regularisation
        fitted = LogisticRegression(C=1.0, max_iter=5000).fit(rows, labels, sample_weight=weights)
        return LinearModel("fitted", LINK_FEATURES, {k: round(float(w), 4) for k, w in zip(names, fitted.coef_[0])},
                           round(float(fitted.intercept_[0]), 4))

    def predict(self, model, page, extracted):
        """The held-out body: the chosen candidate's text with the link blocks the held-out weights keep
        (the structured body where the record took it)."""
        trace, analysis = extracted
        from archiver.extract.body import _text
        from archiver.extract.container import pick

        if analysis.article.provenance.get("body") == "jsonld" or not trace.get("body-container"):
            return analysis.article.body
        chosen = pick(trace["body-container"], model[0])
        if model[1] is None:
            return trace["body-texts"][chosen]
        return _text(trace["body-blocks"][chosen], trace.get("body-headline"), model[1])

    def export(self, model):
        return {**_export("body-container", model[0]), **(_export("body-links", model[1]) if model[1] else {})}


class PublishedDate:
    """The publication day (``published-date``): the candidate whose day is the labelled one is right."""

    def fit(self, pages, extracted):
        from archiver.extract.published import FEATURES

        groups = []
        for page, (trace, _) in zip(pages, extracted):
            label = (page.truth.get("published") or "")[:10]
            found = trace.get("published-date") or []
            if label and found:
                groups.append(([values for _, values in found], [float(v[:10] == label) for v, _ in found]))
        return _ranking(groups, FEATURES, margin=0.5)

    def predict(self, model, page, extracted):
        found = extracted[0].get("published-date") or []
        if not found:  # the record's last resort, htmldate's fast mode
            return extracted[0].get("published-last-resort")
        return found[model.best([values for _, values in found])][0]

    def export(self, model):
        return _export("published-date", model)


def name_set(names) -> frozenset:
    return frozenset(" ".join(words(name.casefold())) for name in names or [])


OPERATING_POINT = 1.0  # 0.95 would name at most 5 % of them: at the cost of a quarter of the right bylines


class Authors:
    """The byline (``authors``): a candidate is right when its names are the labelled ones; on a page
    without a byline none is, and the fitted bias says how sure a list must be to be kept."""

    def fit(self, pages, extracted):
        from archiver.extract.byline import FEATURES

        rows, labels = [], []
        for page, (trace, _) in zip(pages, extracted):
            truth = page.authors
            if page.kind != "article" or truth is None:
                continue
            for names, values in trace.get("authors") or []:
                rows.append(values)
                labels.append(name_set(names) == name_set(truth))
        model = _logistic(rows, labels, FEATURES, balanced=False)
        # The operating point: a list is kept when more likely than not a byline (OPERATING_POINT
        # below 1 raises it until that share of the unsigned articles fitted on gets no names).
        unsigned = sorted(max((model.logit(v) for _, v in trace.get("authors") or []), default=-99.0)
                          for page, (trace, _) in zip(pages, extracted) if page.kind == "article" and page.authors == [])
        if unsigned and OPERATING_POINT < 1:
            model.threshold = round(max(0.0, unsigned[int(OPERATING_POINT * len(unsigned))] + 1e-3), 4)
        return model

    def predict(self, model, page, extracted):
        from archiver.extract.byline import pick

        trace = extracted[0]
        return pick(trace.get("authors") or [], trace.get("authors-organisations") or [], model)[0]

    def export(self, model):
        return _export("authors", model)


class Headline:
    """The headline (``headline``): a candidate is right when it has the labelled headline's words
    (pages with a ``<title>``, as l3s-dev's README scores them)."""

    def fit(self, pages, extracted):
        from archiver.extract.headline_pick import FEATURES

        groups = []
        for page, (trace, _) in zip(pages, extracted):
            label = page.truth.get("headline")
            found = trace.get("headline") or []
            if page.kind != "article" or not label or not page.has_title or not found:
                continue
            right = [float(words(text) == words(label)) for text, _ in found]
            if any(right):
                groups.append(([values for _, values in found], right))
        return _ranking(groups, FEATURES, margin=0.5)

    def predict(self, model, page, extracted):
        found = extracted[0].get("headline") or []
        return found[model.best([values for _, values in found])][0] if found else None

    def export(self, model):
        return _export("headline", model)


MODELS = {"headline": Headline(), "authors": Authors(), "body-container": BodyContainer(), "page-kind": PageKind(), "published-date": PublishedDate()}


def _load_scorer():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("extract_eval", SHARED / "tools" / "extract_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["extract_eval"] = module
    spec.loader.exec_module(module)
    return module


def _htmldate_line(pages, dated) -> None:
    """htmldate (trafilatura's date finder) on the same pages, when installed: the library we would use
    instead of our own date candidates if it did better."""
    try:
        from htmldate import find_date
    except ImportError:
        return
    right = missing = 0
    for i in dated:
        day = find_date(pages[i].html, url=pages[i].url, original_date=True, extensive_search=True,
                        outputformat="%Y-%m-%d")
        right += day == pages[i].truth["published"][:10]
        missing += not day
    print(f"  ... htmldate {_version('htmldate')}           {right}/{len(dated)} = {right / len(dated):.3f} "
          f"({missing} missing)")


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def report(pages, extracted, held_out: dict[str, list], misses: int = 0) -> None:
    """Held-out figures per set (fields whose decision was not fitted here come from the extraction as is)."""
    scorer = _load_scorer()
    kinds = held_out.get("page-kind") or [analysis.kind for _, analysis in extracted]
    for name in dict.fromkeys(p.set for p in pages):
        index = [i for i, p in enumerate(pages) if p.set == name]
        articles = [i for i in index if pages[i].kind == "article"]
        others = [i for i in index if pages[i].kind != "article"]
        print(f"{name}: {len(index)} pages ({len(articles)} articles)")
        if articles:
            called = sum(kinds[i] == "article" for i in articles)
            print(f"  articles called articles      {called}/{len(articles)} = {called / len(articles):.3f}")
            bodies = held_out.get("body-container") or [analysis.article.body for _, analysis in extracted]
            scores = [scorer.score_page(pages[i].truth.get("articleBody", ""), bodies[i]) for i in articles]
            figures = scorer.aggregate(scores)
            empty = sum(not (bodies[i] or "").strip() for i in articles)
            print(f"  body F1                       {figures['f1']:.3f} (P {figures['precision']:.3f}, "
                  f"R {figures['recall']:.3f}; {empty} empty)")
        titled = [i for i in articles if pages[i].truth.get("headline") and pages[i].has_title]
        if titled:
            headlines = held_out.get("headline") or [analysis.article.headline for _, analysis in extracted]
            right = [i for i in titled if words(headlines[i]) == words(pages[i].truth["headline"])]
            print(f"  headline exact                {len(right)}/{len(titled)} = {len(right) / len(titled):.3f}")
            for i in [i for i in titled if i not in right][:misses]:
                print(f"    headline: {pages[i].id} label {pages[i].truth['headline'][:70]!r} got {(headlines[i] or '')[:70]!r}")
        signed = [i for i in articles if pages[i].authors]
        if signed:
            found = held_out.get("authors") or [analysis.article.authors for _, analysis in extracted]
            right = [i for i in signed if name_set(found[i]) == name_set(pages[i].authors)]
            unsigned = [i for i in articles if pages[i].authors == []]
            named = sum(bool(found[i]) for i in unsigned)
            # Labels that are the site's own name (the record never names the site as an author).
            own = [i for i in signed if name_set(pages[i].authors) <= name_set(
                extracted[i][0].get("authors-organisations") or [])]
            print(f"  authors, exact set            {len(right)}/{len(signed)} = {len(right) / len(signed):.3f}; "
                  f"names on {named}/{len(unsigned)} articles without a byline; "
                  f"{len(right)}/{len(signed) - len(own)} = {len(right) / max(len(signed) - len(own), 1):.3f} "
                  f"without the {len(own)} labels that are the site's name")
            for i in [i for i in signed if i not in right][:misses]:
                print(f"    authors: {pages[i].id} label {pages[i].authors} got {found[i]}")
            for i in [i for i in unsigned if found[i]][:misses]:
                print(f"    names without a byline: {pages[i].id} got {found[i]} {pages[i].url[:80]}")
        dated = [i for i in articles if pages[i].truth.get("published")]
        if dated:
            days = held_out.get("published-date") or [analysis.article.published for _, analysis in extracted]
            right = sum((days[i] or "")[:10] == pages[i].truth["published"][:10] for i in dated)
            missing = sum(not days[i] for i in dated)
            print(f"  date, exact day               {right}/{len(dated)} = {right / len(dated):.3f} ({missing} missing)")
            _htmldate_line(pages, dated)
            for i in [i for i in dated if (days[i] or "")[:10] != pages[i].truth["published"][:10]][:misses]:
                print(f"    date: {pages[i].id} label {pages[i].truth['published'][:10]} got {days[i]} {pages[i].url[:80]}")
        if others:
            called = [i for i in others if kinds[i] == "article"]
            print(f"  not-articles called articles  {len(called)}/{len(others)} = {len(called) / len(others):.3f}"
                  f"  ({dict(Counter(pages[i].page_type for i in called))})")
            right = sum(kinds[i] == pages[i].kind for i in others)
            print(f"  listing/other right           {right}/{len(others)}")
            for i in called[:misses]:
                print(f"    called an article: {pages[i].id} {pages[i].page_type} {pages[i].url}")
        for i in [i for i in articles if kinds[i] != "article"][:misses]:
            print(f"    not called an article: {pages[i].id} {kinds[i]} {pages[i].url}")
