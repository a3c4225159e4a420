"""Extraction cost in instructions, this tree against a git revision, on the AEB pages: one run.

    python bench/extract_instructions.py --baseline a6a5f08          # needs valgrind (Debian's)
    python bench/extract_instructions.py --baseline HEAD~3 --pages 60
    python bench/extract_instructions.py --baseline HEAD~1 --requisites    # a crawl's work per page

Timings on a shared 2-core machine wander by 20% from run to run; callgrind counts the instructions a
run executes, which repeat whatever else the machine does, once string hashing and addresses are fixed
(``PYTHONHASHSEED=0``, ``setarch -R``): with Python's random seed and the kernel's random addresses,
sets and dicts of strings and of lxml elements iterate in another order each run, and the ratio of the
same two trees moved between 1.06x and 1.10x; fixed, two runs gave 1.080x twice. Each tree (this one,
and the baseline's ``archiver/`` taken with ``git archive`` into a temporary folder) runs the same
script twice under callgrind: once extracting no page, once extracting the first N pages with
``extract_article``; both first load the language model and warm up on one page (and load htmldate,
which the first undated article would load, and ``_strptime``), so the difference is the pages' own
cost. The figures are instructions per page and the ratio to the baseline (the issue's "not more than
10% slower" is checked with it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
# The same addresses every run: objects hashed by address (lxml elements in sets) then iterate in one order.
NO_ASLR = ["setarch", "-R"] if shutil.which("setarch") else []

SCRIPT = """
import gzip, inspect, json, sys
sys.path.insert(0, sys.argv[1])
from archiver.extract import analyze_page, extract_article
from archiver.extract.language import detect_language
root, count, requisites = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
truth = json.load(open(root + "/ground-truth.json"))
pages = [(gzip.open(f"{root}/html/{key}.html.gz").read(), truth[key]["url"]) for key in sorted(truth)]
extract_article(*pages[0])
detect_language("A sentence of plain English text, long enough for the language model to be loaded.")
try:  # htmldate (an undated article's last resort) loads dateparser at its first call: once per process, too
    from htmldate import find_date
    find_date("<html><body><p>Published 1 March 2020</p></body></html>", extensive_search=False)
except ImportError:
    pass
import _strptime  # noqa: F401  (loaded by the first date a page parses with strptime: once per process)
if requisites:  # what the crawl does per page: the analysis, and the page's requisites found
    from archiver.capture.requisites import page_requisites
    from archiver.extract.parse import parse_html
    one_parse = "read_tree" in inspect.signature(analyze_page).parameters
    for html, url in pages[:count]:
        if one_parse:
            analyze_page(html, url, read_tree=lambda tree: page_requisites(tree, url, 1200))
        else:
            analyze_page(html, url)
            page_requisites(parse_html(html), url, 1200)
else:
    for html, url in pages[:count]:
        extract_article(html, url)
"""


def instructions(tree: Path, data: Path, pages: int, script: Path, requisites: bool) -> int:
    """Instructions callgrind counts for one run of the script on ``pages`` pages."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [*NO_ASLR, "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out", sys.executable, str(script),
             str(tree), str(data), str(pages), "1" if requisites else "0"], capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"})  # the same string hashes (set and dict orders) every run
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"extract_instructions: the run under callgrind failed: {done.stderr.strip().splitlines()[-1:]}")
    return int(found.group(1))


def per_page(tree: Path, data: Path, pages: int, script: Path, requisites: bool) -> float:
    return (instructions(tree, data, pages, script, requisites) - instructions(tree, data, 0, script, requisites)) / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git revision to compare with (a commit, tag, HEAD~N)")
    parser.add_argument("--data", type=Path, default=SHARED / "bench" / "aeb")
    parser.add_argument("--pages", type=int, default=181)
    parser.add_argument("--requisites", action="store_true",
                        help="measure what a crawl does per page: the analysis and the page's requisites (the "
                             "baseline parses the page again for them when its analyze_page has no read_tree)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("extract_instructions: valgrind is not installed (apt-get install -y valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        baseline = Path(folder) / "baseline"
        archived = subprocess.run(["git", "archive", args.baseline, "archiver"], cwd=REPO, capture_output=True)
        if archived.returncode != 0:
            sys.exit(f"extract_instructions: no such revision: {args.baseline}")
        with tarfile.open(fileobj=BytesIO(archived.stdout)) as tar:
            tar.extractall(baseline, filter="data")
        script = Path(folder) / "run.py"
        script.write_text(SCRIPT)
        base = per_page(baseline, args.data, args.pages, script, args.requisites)
        current = per_page(REPO, args.data, args.pages, script, args.requisites)
    what = "analysis and requisites" if args.requisites else "extract_article"
    print(f"{what} on {args.pages} pages of {args.data.name}, instructions per page (callgrind)")
    print(f"  baseline {args.baseline:<12} {base / 1e6:8.2f} M")
    print(f"  this tree             {current / 1e6:8.2f} M   {current / base:.3f}x the baseline")


if __name__ == "__main__":
    main()
