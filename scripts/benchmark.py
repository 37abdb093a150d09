"""Throughput of the segmenters and the extractor on the same report text, side by side.

A corpus is built by repeating the text of real reports (the seed reports by default, else the bundled
samples) to about ``--mb`` megabytes of UTF-8. Every stage runs in a fresh process over that same text:
it loads (timed separately), warms up on the first lines (not timed), then times ``--runs`` passes
(a slow stage, one whose pass takes over ``--slow`` seconds, stops after one). Reported: characters per
second (characters of the raw lines, the same count for every stage; median of the passes), load time,
passes, and the peak resident memory of the stage's process (getrusage).

Stages: plain ``jieba.lcut`` per line; ``rjieba.cut`` per line; reportminer's Segmenter (rjieba, the
domain dictionary and the number bypass); full extraction (``extract_raw`` per file copy: documents,
sections, activities, figures); figures only (``figures_in_line`` over lines normalised beforehand).

    reportminer benchmark --mb 5
    python -m reportminer.scripts.benchmark --json
"""
from __future__ import annotations

import json
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "seeds"
FALLBACK_SOURCE = REPO / "corpora" / "samples"
STAGES = ("jieba", "rjieba", "segmenter", "extract", "figures")
LABELS = {
    "jieba": "jieba.lcut (plain)",
    "rjieba": "rjieba.cut (plain)",
    "segmenter": "Segmenter (rjieba + dictionary)",
    "extract": "full extraction (extract_raw)",
    "figures": "figures only (figures_in_line)",
}
WARM_UP_LINES = 200


@dataclass(frozen=True)
class Corpus:
    """The benchmark text: every source file's lines, the files repeated until the target size."""

    source: str
    files: tuple[str, ...]
    repeats: int
    raws: tuple  # RawText per file copy, in order

    @property
    def lines(self) -> list[str]:
        return [line for raw in self.raws for line in raw.lines]

    @property
    def chars(self) -> int:
        return sum(len(line) for raw in self.raws for line in raw.lines)

    @property
    def utf8_bytes(self) -> int:
        return sum(len(line.encode("utf-8")) + 1 for raw in self.raws for line in raw.lines)


def source_files(source: Path) -> list[str]:
    """The readable report files under source (README files are documentation, not reports)."""
    from ..nlp.reading import iter_inputs

    if not source.exists():
        return []
    return [path for path in iter_inputs([str(source)]) if Path(path).name.lower() != "readme.md"]


def build_corpus(source: Path, mb: float) -> Corpus:
    """Read the source reports once and repeat them to about ``mb`` megabytes (10**6 bytes) of UTF-8."""
    from ..nlp.errors import ReportminerError
    from ..nlp.reading import read_path

    raws = []
    for path in source_files(source):
        try:
            raws.append(read_path(path))
        except ReportminerError:
            continue
    if not raws:
        raise click.ClickException(f"{source}: no readable report files")
    size = sum(len(line.encode("utf-8")) + 1 for raw in raws for line in raw.lines)
    repeats = max(1, round(mb * 1_000_000 / size))
    return Corpus(str(source), tuple(raw.path for raw in raws), repeats, tuple(raws) * repeats)


def resolve_source(source: str | None) -> Path:
    """--source, else the seed reports next to the repository, else the bundled samples."""
    if source:
        return Path(source)
    return DEFAULT_SOURCE if source_files(DEFAULT_SOURCE) else FALLBACK_SOURCE


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _prepare(stage: str, corpus: Corpus):
    """Load what a stage needs; return (work, items): work(items) is one timed pass."""
    if stage == "jieba":
        import logging

        import jieba

        from ..nlp.segment import cache_dir

        jieba.setLogLevel(logging.WARNING)
        jieba.dt.tmp_dir = str(cache_dir())  # keep jieba's cache out of the system temp folder
        jieba.initialize()
        lcut = jieba.lcut
        return (lambda lines: [lcut(line) for line in lines]), corpus.lines
    if stage == "rjieba":
        import rjieba

        cut = rjieba.cut
        cut("社区卫生服务中心")  # the dictionary loads on the first call
        return (lambda lines: [cut(line) for line in lines]), corpus.lines
    if stage == "segmenter":
        from ..nlp.segment import Segmenter

        segmenter = Segmenter("rjieba")
        return (lambda lines: [segmenter.cut(line) for line in lines]), corpus.lines
    if stage == "extract":
        from ..extractors.pipeline import extract_raw

        extract_raw(corpus.raws[0])  # data tables, patterns, segmenter and model load on first use
        return (lambda raws: [extract_raw(raw) for raw in raws]), corpus.raws
    if stage == "figures":
        from ..extractors.documents import normalised_lines
        from ..extractors.figures import figures_in_line

        figures_in_line(normalised_lines(corpus.raws[0])[0])  # data tables and patterns
        lines = [line for raw in corpus.raws for line in normalised_lines(raw) if line.text]
        return (lambda items: [figures_in_line(line) for line in items]), lines
    raise ValueError(f"unknown stage {stage!r}")


def run_stage(stage: str, source: str, mb: float, runs: int, slow: float) -> dict:
    """Build the corpus, load, warm up and time one stage; meant to run in a process of its own."""
    corpus = build_corpus(Path(source), mb)
    base_rss = peak_rss_mb()
    started = time.perf_counter()
    work, items = _prepare(stage, corpus)
    load = time.perf_counter() - started
    work(items[:WARM_UP_LINES] if stage != "extract" else items[:1])  # warm-up, not timed
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        work(items)
        times.append(time.perf_counter() - started)
        if times[-1] > slow:
            break
    seconds = statistics.median(times)
    return {
        "stage": stage, "label": LABELS[stage], "chars": corpus.chars, "seconds": seconds,
        "chars_per_s": round(corpus.chars / seconds), "load_s": round(load, 3), "runs": len(times),
        "all_seconds": [round(t, 3) for t in times], "peak_rss_mb": round(peak_rss_mb(), 1),
        "corpus_rss_mb": round(base_rss, 1),
    }


def run_isolated(stage: str, source: str, mb: float, runs: int, slow: float) -> dict:
    """Run one stage in a fresh interpreter so that its load time and peak memory are its own."""
    from importlib import import_module

    target = import_module("reportminer.scripts.benchmark").run_stage  # not __main__'s copy under -m
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(target, stage, source, mb, runs, slow).result()


def _human(rate: float) -> str:
    return f"{rate / 1e6:.2f} M" if rate >= 1e6 else f"{rate / 1e3:.0f} k"


def format_table(report: dict) -> str:
    """The results as an aligned text table, with the corpus described above it."""
    corpus = report["corpus"]
    lines = [
        f"corpus: {corpus['files']} file(s) from {corpus['source']} x {corpus['repeats']} = "
        f"{corpus['chars']:,} characters, {corpus['lines']:,} lines, {corpus['utf8_bytes'] / 1e6:.2f} MB UTF-8",
        f"python {report['python']}, {report['machine']}, {report['cpus']} CPU(s); each stage in its own "
        "process, warm-up excluded, median of the timed passes",
        "",
        f"{'stage':<33} {'chars/s':>9} {'x jieba':>8} {'seconds':>8} {'passes':>6} {'load s':>7} {'peak RSS':>9}",
    ]
    base = next((r["chars_per_s"] for r in report["results"] if r["stage"] == "jieba"), None)
    for r in report["results"]:
        ratio = f"{r['chars_per_s'] / base:.1f}" if base else "-"
        lines.append(f"{r['label']:<33} {_human(r['chars_per_s']):>9} {ratio:>8} {r['seconds']:>8.2f} "
                     f"{r['runs']:>6} {r['load_s']:>7.2f} {r['peak_rss_mb']:>6.0f} MB")
    lines.append("")
    lines.append(f"peak RSS includes the interpreter and the corpus itself ({min(r['corpus_rss_mb'] for r in report['results']):.0f}"
                 " MB before loading); load = import and set-up of the stage, not timed in chars/s.")
    return "\n".join(lines)


@click.command("benchmark", epilog="""\b
Examples:
  reportminer benchmark                         # ~5 MB of the seed reports
  reportminer benchmark --mb 1 --stages rjieba,figures
  reportminer benchmark --source corpora/samples --json > bench.json
  python -m reportminer.scripts.benchmark --mb 5
""")
@click.option("--source", type=click.Path(exists=True, file_okay=True), default=None,
              help="Report file or folder to repeat [default: ../shared/seeds, else corpora/samples].")
@click.option("--mb", type=click.FloatRange(min=0.01), default=5.0, show_default=True,
              help="Corpus size in megabytes of UTF-8.")
@click.option("--runs", type=click.IntRange(min=1), default=3, show_default=True,
              help="Timed passes per stage (median reported).")
@click.option("--slow", type=float, default=10.0, show_default=True,
              help="A stage whose pass takes longer than this many seconds is timed once.")
@click.option("--stages", default=",".join(STAGES), show_default=True, help="Comma-separated stages to run.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON instead of a table.")
def benchmark_command(source: str | None, mb: float, runs: int, slow: float, stages: str, as_json: bool) -> None:
    """Measure characters per second of jieba, rjieba, the Segmenter, full extraction and figures alone."""
    chosen = [s.strip() for s in stages.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(STAGES))
    if unknown:
        raise click.BadParameter(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}",
                                 param_hint="--stages")
    path = resolve_source(source)
    corpus = build_corpus(path, mb)
    report = {
        "corpus": {"source": str(path), "files": len(corpus.files), "repeats": corpus.repeats,
                   "chars": corpus.chars, "lines": len(corpus.lines), "utf8_bytes": corpus.utf8_bytes},
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "runs": runs, "results": [],
    }
    del corpus
    for stage in chosen:
        if not as_json:
            click.echo(f"timing {LABELS[stage]} …", err=True)
        report["results"].append(run_isolated(stage, str(path), mb, runs, slow))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_table(report))


main = benchmark_command

if __name__ == "__main__":
    benchmark_command(prog_name="python -m reportminer.scripts.benchmark")
