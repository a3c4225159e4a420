"""``archiver extract FILE|- --url URL``: print one page's article record as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract the article record of one saved page")
    parser.add_argument("file", help="HTML file, or - for standard input")
    parser.add_argument("--url", required=True, help="the URL the page was fetched from")
    parser.add_argument("--encoding", help="charset the HTTP headers declared, if known")
    parser.add_argument("--explain", action="store_true",
                        help="print why the page is (or is not) an article: each page-kind signal, its value, "
                             "weight and share of the score, and the decision, instead of the record")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archiver.extract import analyze_page
    from archiver.extract.sniff import looks_binary

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
    except OSError as error:
        print(f"archiver extract: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    if not data.strip():
        print(f"archiver extract: {args.file} is empty", file=sys.stderr)
        return 1
    if looks_binary(data) and not args.explain:
        print(f"archiver extract: {args.file} is not an HTML page (binary data)", file=sys.stderr)
        return 1
    analysis = analyze_page(data, args.url, encoding=args.encoding)
    if args.explain:
        sys.stdout.write(explain(analysis))
        return 0
    record = asdict(analysis.article)
    record.pop("warc", None)
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def explain(analysis) -> str:
    """The page-kind decision of one page as a table: feature, value, fitted weight, contribution."""
    from archiver.extract.model import weights_version
    from archiver.extract.pagekind import ARTICLE_MODEL, FEATURES

    judgement = analysis.judgement
    article = analysis.article
    lines = [f"url        {article.url}",
             f"headline   {article.headline or '-'}",
             f"body       {len(article.body):,} characters, {article.body.count(chr(10) * 2) + 1 if article.body else 0}"
             " paragraphs",
             ""]
    if judgement is None or not judgement.values:
        reason = judgement.reason if judgement else "no analysis"
        lines.append(f"decision   {analysis.kind} ({reason}): no signal measured")
        return "\n".join(lines) + "\n"
    contributions = judgement.contributions()
    width = max(len(feature.name) for feature in FEATURES)
    lines.append(f"{'signal':<{width}}  {'value':>5}  {'weight':>6}  {'score':>6}  meaning")
    for feature in FEATURES:
        value = judgement.values.get(feature.name, 0.0)
        weight = ARTICLE_MODEL.weights[feature.name]
        lines.append(f"{feature.name:<{width}}  {value:5.2f}  {weight:+6.2f}  {contributions[feature.name] + 0.0:+6.2f}"
                     f"  {feature.meaning}")
    lines += ["",
              f"score      {judgement.score:+.2f} = bias {ARTICLE_MODEL.bias:+.2f} + the scores above (an article "
              f"from 0; weights {weights_version()}, fitted by bench/crossval.py)",
              f"decision   {analysis.kind}, decided by {judgement.reason}"]
    return "\n".join(lines) + "\n"
