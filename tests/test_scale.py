"""Scale (issue 7): streaming, incremental and idempotent SQLite runs, interrupted runs, --jobs, Dask, and
the corpus generator. Timings are measured by ``reportminer benchmark --scale``, not asserted here."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportminer.extractors import output as output_module
from reportminer.extractors.output import Writer
from reportminer.extractors.pipeline import (
    extract_batch,
    extract_file,
    extract_rows,
    iter_files,
    process_pool,
    process_state,
    run_extract,
)
from reportminer.scripts.cli import main
from reportminer.scripts.generate_corpus import generate

CLI_BOOT = "import sys; from reportminer.scripts.cli import main; sys.exit(main())"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def tables(db: Path) -> dict[str, list[tuple]]:
    """Every table of a database, rows sorted (rowids aside): what "the same database" means."""
    with closing(sqlite3.connect(db)) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(map(repr, connection.execute(f'SELECT * FROM "{name}"'))) for name in names}


def files_table(db: Path) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute("SELECT path, sha256, status FROM files ORDER BY rowid").fetchall()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """40 generated reports (some with cross-document findings: they are varied copies of the samples)."""
    folder = tmp_path_factory.mktemp("corpus")
    generate(folder, 40, seed=11)
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """One uninterrupted --jobs 1 run over the corpus."""
    db = tmp_path_factory.mktemp("reference") / "ref.db"
    result = run("extract", str(corpus), "--out", str(db), "--jobs", "1")
    assert result.exit_code == 0, result.output
    return db


# --------------------------------------------------------------------------- the generator


def test_the_generator_is_deterministic_and_varies_names_and_figures(tmp_path):
    first = generate(tmp_path / "a", 30, seed=3)
    again = generate(tmp_path / "b", 30, seed=3)
    other = generate(tmp_path / "c", 30, seed=4)
    assert len(first) == 30 and all(p.exists() for p in first)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    orgs = {d.org for p in first for d in extract_file(str(p)).documents if d.org}
    assert len(orgs) >= 10  # many organisations, not the samples' handful
    assert not any(extract_file(str(p)).errors for p in first)


def test_generate_corpus_command(tmp_path):
    result = run("generate-corpus", "--out", str(tmp_path / "g"), "--count", "12", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert len(list(iter_files([str(tmp_path / "g")]))) == 12


# --------------------------------------------------------------------------- incremental, idempotent


def test_a_rerun_skips_every_unchanged_file_and_adds_no_rows(corpus, reference, tmp_path):
    db = tmp_path / "out.db"
    db.write_bytes(reference.read_bytes())
    before = tables(db)
    result = run("extract", str(corpus), "--out", str(db), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "40 unchanged (skipped)" in result.stderr and "0 extracted" in result.stderr
    assert tables(db) == before
    writer = Writer(db, "sqlite")
    summary = run_extract([str(corpus)], writer, jobs=1)
    writer.close()
    assert (summary.skipped, summary.extracted, summary.audit) == (40, 0, "unchanged")


def test_a_changed_file_is_replaced_and_force_redoes_all(corpus, tmp_path):
    folder = tmp_path / "corpus"
    generate(folder, 12, seed=5)
    db = tmp_path / "out.db"
    assert run("extract", str(folder), "--out", str(db), "--jobs", "1").exit_code == 0
    changed = sorted(folder.rglob("*.txt"))[3]
    changed.write_text(changed.read_text(encoding="utf-8", errors="replace")[:200] + "\n全年新增绿地1200平方米。\n",
                       encoding="utf-8")
    writer = Writer(db, "sqlite")
    summary = run_extract([str(folder)], writer, jobs=1)
    writer.close()
    assert (summary.extracted, summary.skipped, summary.audit) == (1, 11, "run")
    fresh = tmp_path / "fresh.db"  # a first run: its audit reads each file as it is extracted, not back
    assert run("extract", str(folder), "--out", str(fresh), "--jobs", "1").exit_code == 0
    assert any("duplicate_claim" in row for row in tables(fresh)["findings"])
    assert tables(db) == tables(fresh)
    twice = tmp_path / "twice.db"  # a file given twice is stored once, and audited once
    assert run("extract", str(folder), str(changed), "--out", str(twice), "--jobs", "1").exit_code == 0
    assert tables(twice) == tables(fresh)
    result = run("extract", str(folder), "--out", str(db), "--jobs", "1", "--force")
    assert result.exit_code == 0 and "12 extracted, 0 unchanged" in result.stderr, result.output
    assert tables(db) == tables(fresh)


def test_a_corpus_finding_about_an_earlier_file_keeps_that_files_records(tmp_path):
    # The plan (b.txt) sets a target the summary (a.txt) misses: the finding names a.txt, found at the end.
    (tmp_path / "a.txt").write_text("桂香社区卫生服务中心2023年工作总结\n全年辖区儿童免疫规划疫苗接种率达到85%。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("桂香社区卫生服务中心2023年工作计划\n力争辖区儿童免疫规划疫苗接种率达到95%。\n", encoding="utf-8")
    db = tmp_path / "out.db"
    assert run("extract", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--out", str(db)).exit_code == 0
    with closing(sqlite3.connect(db)) as connection:
        documents = [row[0] for row in connection.execute("SELECT file FROM documents ORDER BY file")]
        findings = connection.execute('SELECT file, "check" FROM findings').fetchall()
    assert documents == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert (str(tmp_path / "a.txt"), "target_missed") in findings


# --------------------------------------------------------------------------- interrupted runs


def test_an_exception_midway_then_a_rerun_gives_the_same_database(corpus, reference, tmp_path, monkeypatch):
    db = tmp_path / "out.db"
    real = Writer.write_extraction
    written = []

    def failing(self, extraction):
        if len(written) == 15:
            raise KeyboardInterrupt  # as if interrupted between two files
        real(self, extraction)
        written.append(extraction.file)

    monkeypatch.setattr(Writer, "write_extraction", failing)
    writer = Writer(db, "sqlite")
    with pytest.raises(KeyboardInterrupt):
        run_extract([str(corpus)], writer, jobs=1)
    writer.close()
    assert len(files_table(db)) == 15
    monkeypatch.setattr(Writer, "write_extraction", real)
    result = run("extract", str(corpus), "--out", str(db), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "25 extracted, 15 unchanged (skipped)" in result.stderr
    assert tables(db) == tables(reference)


def test_a_killed_run_then_a_rerun_gives_the_same_database(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    generate(folder, 240, seed=2)
    work = tmp_path_factory.mktemp("kill")
    db, whole = work / "killed.db", work / "whole.db"
    child = subprocess.Popen([sys.executable, "-c", CLI_BOOT, "extract", str(folder), "--out", str(db), "--jobs", "1"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
            try:
                with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)) as connection:
                    done = connection.execute("SELECT count(*) FROM files").fetchall()[0][0]
            except sqlite3.Error:
                continue
            if done >= 10:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert 10 <= len(files_table(db)) < 240
    result = run("extract", str(folder), "--out", str(db), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert run("extract", str(folder), "--out", str(whole), "--jobs", "1").exit_code == 0
    assert tables(db) == tables(whole)
    assert not Path(str(db) + "-wal").exists()  # closed cleanly: one database file


# --------------------------------------------------------------------------- parallel


def test_jobs_2_gives_the_same_database_as_jobs_1(corpus, reference, tmp_path):
    db = tmp_path / "j2.db"
    result = run("extract", str(corpus), "--out", str(db), "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert tables(db) == tables(reference)
    assert files_table(db) == files_table(reference)  # same order too


def test_jobs_2_writes_the_same_json_lines_as_jobs_1(corpus, tmp_path):
    for jobs in ("1", "2"):
        assert run("extract", str(corpus), "--format", "jsonl", "--out", str(tmp_path / jobs), "--jobs", jobs).exit_code == 0
    for name in ("documents", "figures", "activities", "findings", "files"):
        assert (tmp_path / "1" / f"{name}.jsonl").read_bytes() == (tmp_path / "2" / f"{name}.jsonl").read_bytes()


def test_workers_build_the_segmenter_and_model_once(corpus):
    files = list(iter_files([str(corpus)]))
    with process_pool(2) as pool:
        for future in [pool.submit(extract_batch, files[i:i + 4]) for i in range(0, len(files), 4)]:
            future.result()
        states = [pool.submit(process_state).result() for _ in range(8)]
    assert all(s["segmenter_builds"] == 1 and s["model_loads"] == 1 for s in states), states


# --------------------------------------------------------------------------- outputs


def test_writer_runs_views_at_close(corpus, tmp_path):
    db = tmp_path / "v.db"
    writer = Writer(db, "sqlite", views=["DROP VIEW IF EXISTS n_figures; CREATE VIEW n_figures AS SELECT count(*) AS n FROM figures"])
    writer.add_view("CREATE VIEW IF NOT EXISTS n_files AS SELECT count(*) AS n FROM files")
    writer.add_view(lambda connection: connection.execute("CREATE VIEW IF NOT EXISTS n_docs AS SELECT 1 AS n"))
    run_extract([str(corpus)], writer, jobs=1, audit=False)
    writer.close()
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT n FROM n_files").fetchone()[0] == 40
        assert connection.execute("SELECT n FROM n_figures").fetchone()[0] > 100
        assert connection.execute("SELECT n FROM n_docs").fetchone()[0] == 1


def test_parquet_is_written_in_row_groups_and_a_rerun_rewrites_the_folder(corpus, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "pq"
    (out).mkdir()
    (out / "errors.parquet").write_bytes(b"stale")  # from an earlier run: must not survive
    writer = Writer(out, "parquet", row_group_rows=100)
    run_extract([str(corpus)], writer, jobs=1)
    writer.close()
    figures = pq.ParquetFile(out / "figures.parquet")
    assert figures.metadata.num_row_groups > 1
    assert not (out / "errors.parquet").exists()
    rows = figures.read().to_pylist()
    expected = [row for path in iter_files([str(corpus)]) for row in extract_rows(path)["figures"]]
    assert rows == expected


def test_sqlite_keeps_no_list_of_extractions(corpus, tmp_path, monkeypatch):
    # Streaming: at most a window of extractions exists at once, whatever the number of files.
    import gc

    from reportminer.extractors.pipeline import Extraction

    def alive() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is Extraction)

    before = alive()  # other tests' fixtures may hold some
    seen = []
    real = Writer.write_extraction

    def counting(self, extraction):
        real(self, extraction)
        seen.append(alive() - before if len(seen) % 5 == 4 else 0)

    monkeypatch.setattr(Writer, "write_extraction", counting)
    writer = Writer(tmp_path / "s.db", "sqlite")
    run_extract([str(corpus)], writer, jobs=1, audit=False)
    writer.close()
    assert len(seen) == 40 and max(seen) <= 3


# --------------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as local:
        yield local


def _parquet_rows(folder: Path) -> dict[str, list[str]]:
    import pyarrow.parquet as pq

    return {name: sorted(json.dumps(row, ensure_ascii=False, sort_keys=True)
                         for row in pq.read_table(folder / f"{name}.parquet").to_pylist())
            for name in ("documents", "sections", "figures", "activities", "findings", "files")}


def test_dask_gives_the_same_output_as_local(corpus, reference, cluster, tmp_path):
    address = cluster.scheduler_address
    db = tmp_path / "dask.db"
    result = run("extract", str(corpus), "--out", str(db), "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert tables(db) == tables(reference)
    local, dask = tmp_path / "local-pq", tmp_path / "dask-pq"
    assert run("extract", str(corpus), "--format", "parquet", "--out", str(local), "--jobs", "1").exit_code == 0
    result = run("extract", str(corpus), "--format", "parquet", "--out", str(dask), "--engine", "dask",
                 "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert (dask / "figures.parquet").is_dir() and len(list((dask / "figures.parquet").iterdir())) == 10
    assert _parquet_rows(dask) == _parquet_rows(local)
    assert any(json.loads(row)["check"] == "duplicate_claim" for row in _parquet_rows(dask)["findings"])


def test_a_value_beyond_64_bits_is_stored_as_a_float(tmp_path):
    from reportminer.extractors.pipeline import extract_raw
    from reportminer.nlp.reading import read_bytes

    text = "桂香社区2023年工作总结\n全年投入资金12345678901234567890亿元。\n举办讲座12场。\n"
    extraction = extract_raw(read_bytes(text.encode("utf-8"), "big.txt"))
    assert any(f.value > 2**63 for f in extraction.figures)
    writer = Writer(tmp_path / "out.db", "sqlite")
    writer.write_extraction(extraction)
    writer.close()
    with closing(sqlite3.connect(tmp_path / "out.db")) as connection:
        values = [row[0] for row in connection.execute("SELECT value FROM figures ORDER BY line")]
    assert values == [pytest.approx(1.2345678901234567e27), 12]  # no row twice, the huge one a float
