"""Tests for the ``reportminer`` command, run through click's CliRunner and checked against the library."""
from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportminer.extractors.documents import normalised_lines
from reportminer.extractors.pipeline import extract_file, extract_paths, extract_raw
from reportminer.nlp.reading import read_bytes, read_path
from reportminer.nlp.segment import default_segmenter
from reportminer.scripts.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpora" / "samples"
GOOD_TXT = SAMPLES / "001_guixiang_chc_summary_2023.txt"
GOOD_DOCX = SAMPLES / "012_nanhu_station_summary_2023.docx"
SMALL = SAMPLES / "002_liuwan_street_chuangwei_summary_2023.txt"
TABLES = ("documents", "sections", "figures", "activities")
# Required fields per table (shared/spec/OUTPUT.md).
REQUIRED = {
    "documents": {"file", "line", "doc", "title", "kind", "year", "org", "place"},
    "sections": {"file", "line", "doc", "level", "marker", "title"},
    "figures": {"file", "line", "doc", "text", "start", "end", "value", "value_max", "unit", "qualifier",
                "modality", "metric", "category"},
    "activities": {"file", "line", "doc", "text", "category", "confidence"},
}
FIGURE_COLUMNS = ["line", "text", "value", "value_max", "unit", "qualifier", "modality", "metric", "category"]


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def library_counts(paths: list[str]) -> dict[str, int]:
    """Records per table that the library extracts from paths."""
    counts = dict.fromkeys(TABLES, 0)
    for extraction in extract_paths(paths):
        for name in TABLES:
            counts[name] += len(extraction.tables()[name])
    return counts


def read_table(out: Path, fmt: str, name: str) -> list[dict]:
    """The rows of one table as written by ``extract --format fmt``."""
    if fmt == "sqlite":
        with sqlite3.connect(out) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(f'SELECT * FROM "{name}"')]
    if fmt == "jsonl":
        with open(out / f"{name}.jsonl", encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]
    if fmt == "csv":
        with open(out / f"{name}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    import pyarrow.parquet as pq

    return pq.read_table(out / f"{name}.parquet").to_pylist()


@pytest.fixture(scope="module")
def sample_counts():
    counts = library_counts([str(SAMPLES)])
    assert counts["documents"] >= 16 and counts["figures"] > 300
    return counts


# --------------------------------------------------------------------------- extract


def test_extract_samples_into_sqlite(tmp_path, sample_counts):
    db = tmp_path / "out" / "reports.db"
    result = run("extract", str(SAMPLES), "--out", str(db))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables >= set(TABLES)
    for name in TABLES:
        rows = read_table(db, "sqlite", name)
        assert len(rows) == sample_counts[name], name
        assert set(rows[0]) >= REQUIRED[name], name
    figure = read_table(db, "sqlite", "figures")[0]
    assert isinstance(figure["value"], (int, float)) and isinstance(figure["start"], int)
    assert f"{sample_counts['documents']} documents" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_extract_samples_into_tables(tmp_path, sample_counts, fmt):
    out = tmp_path / "tables"
    result = run("extract", str(SAMPLES), "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in TABLES:
        rows = read_table(out, fmt, name)
        assert len(rows) == sample_counts[name], name
        assert set(rows[0]) >= REQUIRED[name], name
    if fmt != "csv":  # values are numbers, not strings (OUTPUT.md)
        figures = read_table(out, fmt, "figures")
        assert all(isinstance(f["value"], (int, float)) for f in figures)
        assert all(f["value_max"] is None or isinstance(f["value_max"], (int, float)) for f in figures)


@pytest.mark.parametrize("fmt", ["sqlite", "jsonl", "csv", "parquet"])
def test_extracting_twice_into_the_same_output_does_not_duplicate_records(tmp_path, fmt):
    out = tmp_path / ("out.db" if fmt == "sqlite" else "out")
    for _ in range(2):
        result = run("extract", str(SMALL), "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
    counts = library_counts([str(SMALL)])
    assert {name: len(read_table(out, fmt, name)) for name in TABLES} == counts


@pytest.mark.parametrize("fmt", ["sqlite", "jsonl", "csv", "parquet"])
def test_a_figure_too_large_for_64_bits_does_not_abort_the_batch(tmp_path, fmt):
    # 10**23 people is absurd, but one absurd line in one file must not lose the whole run.
    big = tmp_path / "big.txt"
    big.write_text("社区共有居民99999999999999999999999人。\n", encoding="utf-8")
    out = tmp_path / ("out.db" if fmt == "sqlite" else "out")
    result = run("extract", str(big), str(SMALL), "--format", fmt, "--out", str(out))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    documents = read_table(out, fmt, "documents")
    assert str(SMALL) in {row["file"] for row in documents}


# --------------------------------------------------------------------------- a batch with bad inputs


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory):
    """Six bad inputs around two good files, extracted to JSON Lines in one run."""
    folder = tmp_path_factory.mktemp("batch")
    good = [folder / "good.txt", folder / "good.docx"]
    shutil.copy(GOOD_TXT, good[0])
    shutil.copy(GOOD_DOCX, good[1])
    bad = {
        "binary": folder / "binary.txt",
        "empty": folder / "empty.txt",
        "undecodable": folder / "undecodable.txt",
        "long": folder / "long.txt",
        "truncated": folder / "truncated.docx",
        "missing": folder / "missing.txt",
    }
    bad["binary"].write_bytes(bytes(range(256)) * 64)
    bad["empty"].write_bytes(b"")
    bad["undecodable"].write_bytes("社区卫生".encode() + b"\xff\xfe\x80\x81" + "工作总结\n".encode())
    bad["long"].write_bytes(("全年共建立居民健康档案" * 1_600_000).encode())  # 52.8 MB, no line break
    bad["truncated"].write_bytes(GOOD_DOCX.read_bytes()[:5000])
    order = [bad["binary"], good[0], bad["empty"], bad["undecodable"], bad["missing"], bad["long"],
             bad["truncated"], good[1]]
    out = folder / "out"
    result = run("extract", *map(str, order), "--format", "jsonl", "--out", str(out))
    yield result, [str(p) for p in good], {k: str(p) for k, p in bad.items()}, out
    bad["long"].unlink()  # do not leave 50 MB behind in pytest's kept temp folders


def test_bad_inputs_fail_the_run(bad_batch):
    result, _, _, _ = bad_batch
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, not a crash


@pytest.mark.parametrize("kind", ["binary", "empty", "undecodable", "long", "truncated", "missing"])
def test_each_bad_input_gets_one_error_line(bad_batch, kind):
    result, _, bad, _ = bad_batch
    path = bad[kind]
    lines = [line for line in result.stderr.splitlines() if path in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].lower().startswith("error")
    assert len(lines[0]) < 500  # a message, not a dump of the 50 MB line


def test_bad_inputs_are_recorded_as_errors(bad_batch):
    _, _, bad, out = bad_batch
    errors = read_table(out, "jsonl", "errors")
    assert sorted(row["file"] for row in errors) == sorted(bad.values())


def test_good_inputs_next_to_bad_ones_are_extracted(bad_batch):
    result, good, _, out = bad_batch
    expected = library_counts(good)
    for name in TABLES:
        rows = read_table(out, "jsonl", name)
        assert len(rows) == expected[name], name
        assert {row["file"] for row in rows} == set(good), name
    figures = read_table(out, "jsonl", "figures")
    assert [f["text"] for f in figures] == [f.text for p in good for f in extract_file(p).figures]


def test_the_summary_is_printed(bad_batch):
    result, good, _, _ = bad_batch
    counts = library_counts(good)
    summary = [line for line in result.stderr.splitlines() if "documents" in line]
    assert summary and f"{counts['documents']} documents" in summary[-1]
    assert f"{counts['figures']} figures" in summary[-1]
    assert any("6" in line and "fail" in line for line in result.stderr.splitlines()), result.stderr


# --------------------------------------------------------------------------- segment, figures, sections

REPORT = "柳湾街道2023年爱国卫生工作总结\n\n一、健康档案管理\n全年共建立居民健康档案1.8万余份，规范化建档率达到95.5%。\n"


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_segment_prints_words_separated_by_spaces(report):
    result = run("segment", str(report))
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    lines = normalised_lines(read_path(str(report)))
    assert len(out) == len(lines) == 4
    segmenter = default_segmenter()
    for printed, line in zip(out, lines):
        assert printed.split(" ") == [w for w in segmenter.cut(line.text) if w.strip()] or printed == line.text == ""
        assert printed.replace(" ", "") == line.text.replace(" ", "")
    assert "1.8万" in out[3].split(" ") and "95.5" in out[3].split(" ")


def test_segment_pos_adds_tags(report):
    result = run("segment", "--pos", str(report))
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    tokens = out[3].split(" ")
    assert all(re.fullmatch(r"\S+/[a-z]+", token) for token in tokens), tokens
    segmenter = default_segmenter()
    text = normalised_lines(read_path(str(report)))[3].text
    assert [tuple(token.rsplit("/", 1)) for token in tokens] == [pair for pair in segmenter.tag(text) if pair[0].strip()]
    assert "1.8万/m" in tokens


def test_figures_prints_a_table(report):
    result = run("figures", str(report))
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == FIGURE_COLUMNS
    figures = extract_raw(read_path(str(report))).figures
    assert len(rows) == len(figures) >= 2
    for row, figure in zip(rows, figures):
        cells = row.split()
        assert cells[0] == str(figure.line) and cells[1] == figure.text
        assert float(cells[2]) == figure.value
    assert "18000" in rows[0] and "95.5" in rows[1]


def test_figures_of_the_samples(sample_counts):
    result = run("figures", str(SMALL))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1 + len(extract_file(str(SMALL)).figures)


def test_sections_prints_the_outline(report):
    result = run("sections", str(report))
    assert result.exit_code == 0, result.output
    extraction = extract_raw(read_path(str(report)))
    assert extraction.documents[0].doc in result.stdout
    assert extraction.documents[0].title in result.stdout
    for section in extraction.sections:
        assert f"{section.marker}{section.title}" in result.stdout
    assert len(result.stdout.splitlines()) == len(extraction.documents) + len(extraction.sections)


def test_sections_of_a_sample():
    result = run("sections", str(SMALL))
    assert result.exit_code == 0, result.output
    extraction = extract_file(str(SMALL))
    assert len(result.stdout.splitlines()) == len(extraction.documents) + len(extraction.sections) > 10


@pytest.mark.parametrize("command", ["segment", "figures"])
def test_dash_reads_stdin(report, command):
    from_file = run(command, str(report))
    from_stdin = run(command, "-", input=REPORT.encode("utf-8"))
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


def test_dash_reads_stdin_for_sections():
    data = SMALL.read_bytes()
    result = run("sections", "-", input=data)
    assert result.exit_code == 0, result.output
    extraction = extract_raw(read_bytes(data, "-"))
    assert result.stdout.splitlines()[0].startswith("stdin#1")
    for section in extraction.sections:
        assert f"{section.marker}{section.title}" in result.stdout


def test_dash_reads_stdin_for_extract(tmp_path):
    data = SMALL.read_bytes()
    out = tmp_path / "out"
    result = run("extract", "-", "--format", "jsonl", "--out", str(out), input=data)
    assert result.exit_code == 0, result.output
    extraction = extract_raw(read_bytes(data, "-"))
    documents = read_table(out, "jsonl", "documents")
    assert [row["file"] for row in documents] == ["-"]
    assert len(read_table(out, "jsonl", "figures")) == len(extraction.figures)


@pytest.mark.parametrize("command", ["segment", "figures", "sections"])
@pytest.mark.parametrize("content", [None, b"", b"\x00\x01\x02" * 100])
def test_per_file_commands_report_a_bad_file_cleanly(tmp_path, command, content):
    path = tmp_path / "bad.txt"
    if content is not None:
        path.write_bytes(content)
    result = run(command, str(path))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert str(path) in result.stderr and "Traceback" not in result.output


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", sorted(main.commands))
def test_help_shows_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert re.search(r"^\s*Examples?:", result.stdout, re.MULTILINE), result.stdout
    assert re.search(rf"^\s+(?:.*\| )?reportminer {command} ", result.stdout, re.MULTILINE), result.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
def test_sample_files_named_in_help_exist(command):
    result = run(command, "--help")
    for name in re.findall(r"corpora/samples/\S+\.\w+", result.stdout):
        assert (REPO / name).is_file(), f"`reportminer {command} --help` names {name}, which does not exist"


# --------------------------------------------------------------------------- benchmark


def test_benchmark_reports_every_stage_on_the_same_text():
    from reportminer.scripts.benchmark import benchmark_command, build_corpus

    result = CliRunner().invoke(benchmark_command, ["--source", str(SMALL), "--mb", "0.05", "--runs", "2",
                                                    "--stages", "rjieba,figures", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    source_chars = sum(len(line) for line in read_path(str(SMALL)).lines)
    corpus = build_corpus(SMALL, 0.05)
    assert report["corpus"]["chars"] == corpus.chars == source_chars * report["corpus"]["repeats"]
    assert 0.03e6 < report["corpus"]["utf8_bytes"] < 0.08e6
    assert [r["stage"] for r in report["results"]] == ["rjieba", "figures"]
    for row in report["results"]:
        assert row["chars"] == corpus.chars
        assert row["runs"] in (1, 2) and len(row["all_seconds"]) == row["runs"]
        assert row["chars_per_s"] == round(row["chars"] / row["seconds"])
        assert row["peak_rss_mb"] >= row["corpus_rss_mb"] > 0


def test_benchmark_refuses_an_unknown_stage():
    from reportminer.scripts.benchmark import benchmark_command

    result = CliRunner().invoke(benchmark_command, ["--stages", "pkuseg"])
    assert result.exit_code == 2 and "pkuseg" in result.output


def test_an_internal_error_in_one_file_is_reported_and_the_batch_goes_on(tmp_path, monkeypatch):
    """A bug hit by one file becomes an error record naming it; the other files are still extracted."""
    from reportminer.extractors import pipeline

    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("一、健康教育\n全年举办健康讲座12场。\n", encoding="utf-8")
    bad.write_text("触发错误的报告\n", encoding="utf-8")
    real = pipeline.extract_raw

    def failing(raw, sha256=""):
        if raw.path.endswith("bad.txt"):
            raise ZeroDivisionError("boom")
        return real(raw, sha256)

    monkeypatch.setattr(pipeline, "extract_raw", failing)
    results = {Path(e.file).name: e for e in map(pipeline.extract_file, [str(good), str(bad)])}
    assert results["good.txt"].figures and not results["good.txt"].errors
    assert "internal error" in results["bad.txt"].errors[0].message and "bad.txt" in results["bad.txt"].errors[0].message


def test_summary_counts_failed_files_apart(bad_batch):
    result, _, _, _ = bad_batch
    assert "8 file(s): 2 extracted" in result.stderr and "6 failed" in result.stderr, result.stderr


def test_a_failing_warm_up_does_not_break_the_worker_pool(monkeypatch):
    from reportminer.extractors import pipeline

    def broken() -> None:
        raise TypeError("a bug the warm-up text happens to hit")

    monkeypatch.setattr(pipeline, "warm_up", broken)
    pipeline._worker_init()  # returns: the worker starts and each file reports its own error
