"""reextract and export as jobs on a real Dask cluster (a LocalCluster of two worker processes on 127.0.0.1):
the same bytes as one local worker."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import REPO, run_archiver
from synthetic_warcs import write_archive



def without_bench(paths: list[str]) -> list[str]:
    """bench/distributed.py (on sys.path when a test put bench/ there) shadows Dask's `distributed` package."""
    return [p for p in paths if Path(p or ".").resolve() != REPO / "bench"]


def import_dask():
    shadow = sys.modules.get("distributed")
    if shadow is not None and not hasattr(shadow, "__path__"):  # the bench script, not the package
        del sys.modules["distributed"]
    saved = list(sys.path)
    sys.path[:] = without_bench(sys.path)
    try:
        return pytest.importorskip("distributed", reason="Dask distributed is not installed: pip install '.[cluster]'")
    finally:
        sys.path[:] = saved


distributed = import_dask()


@pytest.fixture(scope="module")
def cluster():
    saved = list(sys.path)
    sys.path[:] = without_bench(sys.path)  # worker processes start with this process's sys.path
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, scheduler_port=0) as local:
            yield local
    finally:
        sys.path[:] = saved


def one_file(folder: Path, pattern: str = "*") -> Path:
    [path] = [p for p in folder.glob(pattern) if p.is_file()]
    return path


def test_reextract_and_export_on_a_dask_cluster_match_one_worker(cluster, tmp_path):
    archive = tmp_path / "archive"
    write_archive(archive, files=4, pages_per_file=20, revisit_every=5)
    outputs = {}
    for name, how in (("local", ["--workers", "1"]), ("dask", ["--dask", cluster.scheduler_address])):
        out = tmp_path / name
        done = run_archiver("reextract", "--archive", str(archive), "--out", str(out), *how)
        assert done.returncode == 0, done.stderr[-3000:]
        records = one_file(out)
        assert sorted(p.name for p in out.iterdir()) == [records.name]
        parquet = tmp_path / f"{name}.parquet"
        done = run_archiver("export", "--records", str(records), "--format", "parquet", "--out", str(parquet),
                            "--task-size", "30KB", "--row-group-size", "9", *how)
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[name] = (records.read_bytes(), parquet.read_bytes())
    assert outputs["dask"] == outputs["local"]
    assert len(outputs["local"][0].splitlines()) == 80


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path):
    write_archive(tmp_path / "archive", files=1, pages_per_file=2)
    done = run_archiver("reextract", "--archive", str(tmp_path / "archive"), "--out", str(tmp_path / "out"),
                        "--dask", "tcp://127.0.0.1:9", timeout=120)
    assert done.returncode == 1
    assert "archiver reextract: cannot reach the Dask scheduler" in done.stderr and "Traceback" not in done.stderr
