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

``--scale`` measures the commands instead, on a folder of report files (``--corpus``, else a corpus of
``--count`` documents generated from the samples, scripts/generate_corpus.py): ``jieba.lcut`` alone over
every line of every file; ``reportminer extract --jobs 1`` into a new SQLite database, then the same
command again (every file unchanged: the incremental re-run); ``extract --jobs 2``. Each runs as a child
process whose process tree (the command and its workers) is sampled for peak RSS and PSS; chars/s of a
command is over its wall time, start-up and the cross-document audit included. With ``--slope`` the
``--jobs 1`` command also runs on half the corpus, with and without the audit, to estimate how peak
memory grows per MB of corpus. A CPU-bound control (a pure-Python loop in 1 and 2 processes) shows how
much a second process can gain on this machine at the time.

    reportminer benchmark --scale --count 2000
    reportminer benchmark --scale --corpus /tmp/corpus --slope --json
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
  reportminer benchmark --scale --count 2000    # jieba vs extract --jobs 1/2 on a generated corpus
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
@click.option("--scale", is_flag=True, help="Time the extract command (--jobs 1, re-run, --jobs 2) against jieba "
              "on a folder of files, with the peak memory of each process tree (the table, then the JSON).")
@click.option("--corpus", type=click.Path(exists=True, file_okay=False), default=None,
              help="--scale: folder of report files [default: generate --count documents in a temporary folder].")
@click.option("--count", type=click.IntRange(min=2), default=2000, show_default=True,
              help="--scale: documents to generate when no --corpus is given.")
@click.option("--seed", type=int, default=0, show_default=True, help="--scale: seed of the generated corpus.")
@click.option("--slope", is_flag=True, help="--scale: also run extract --jobs 1 on half the corpus, with and "
              "without the audit, to estimate peak memory per MB of corpus.")
def benchmark_command(source: str | None, mb: float, runs: int, slow: float, stages: str, as_json: bool,
                      scale: bool, corpus: str | None, count: int, seed: int, slope: bool) -> None:
    """Measure characters per second of jieba, rjieba, the Segmenter, full extraction and figures alone
    (or, with --scale, of the extract command against jieba)."""
    if scale:
        report = scale_benchmark(corpus, count, seed, slope, progress=lambda m: click.echo(m, err=True))
        table = format_scale_table(report)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else
                   table + "\n\n" + json.dumps(report, ensure_ascii=False, indent=2))
        return
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


# --------------------------------------------------------------------------- --scale


CLI_BOOT = "import sys; from reportminer.scripts.cli import main; sys.exit(main())"


def _processes() -> dict[int, int]:
    """pid → parent pid of every process (Linux /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    stat = handle.read()
                parents[int(entry)] = int(stat[stat.rfind(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return parents


def _kb(path: str, key: bytes) -> int:
    try:
        with open(path, "rb") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_memory(pid: int, cpu: dict[int, float] | None = None) -> tuple[float, float]:
    """(RSS, PSS) in MB summed over a process and all its descendants (Linux; zeros elsewhere). RSS counts
    pages shared between the processes once per process; PSS splits them, so it is the fairer total.
    With ``cpu``, each process's CPU seconds so far (user + system) are recorded in it by pid."""
    if not os.path.isdir("/proc"):
        return 0.0, 0.0
    parents = _processes()
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    rss = sum(_kb(f"/proc/{p}/status", b"VmRSS:") for p in tree)
    pss = sum(_kb(f"/proc/{p}/smaps_rollup", b"Pss:") for p in tree)
    if cpu is not None:
        ticks = os.sysconf("SC_CLK_TCK")
        for p in tree:
            try:
                with open(f"/proc/{p}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                cpu[p] = max(cpu.get(p, 0.0), (int(fields[11]) + int(fields[12])) / ticks)
            except (OSError, ValueError, IndexError):
                continue
    return rss / 1024, pss / 1024


def run_measured(argv: list[str], interval: float = 0.1) -> dict:
    """Run a command, sampling the memory of its process tree; wall seconds, peaks and its stderr."""
    import subprocess
    import tempfile
    import threading

    peaks = [0.0, 0.0]
    cpu: dict[int, float] = {}
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss, pss = tree_memory(child.pid, cpu)
                peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], pss)
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = child.wait()
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if peaks[0] == 0.0:  # no /proc: the largest single child is all getrusage can tell
        peaks[0] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1024)
    # CPU seconds of the tree as last sampled (up to one interval of each process's end is missed)
    return {"seconds": seconds, "cpu_s": round(sum(cpu.values()), 2) if cpu else None, "exit": code, "peak_rss_mb": round(peaks[0], 1),
            "peak_pss_mb": round(peaks[1], 1), "stderr": stderr[-2000:]}


def jieba_stage(files: list[str]) -> dict:
    """Time ``jieba.lcut`` alone over every line of the files (reading excluded); run in its own process."""
    import logging

    import jieba

    from ..nlp.errors import ReportminerError
    from ..nlp.reading import read_path
    from ..nlp.segment import cache_dir

    started = time.perf_counter()
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = str(cache_dir())
    jieba.initialize()
    lcut = jieba.lcut
    load = time.perf_counter() - started
    chars = seconds = 0.0
    for path in files:
        try:
            lines = read_path(path).lines
        except ReportminerError:
            continue
        chars += sum(len(line) for line in lines)
        started = time.perf_counter()
        for line in lines:
            lcut(line)
        seconds += time.perf_counter() - started
    return {"chars": int(chars), "seconds": seconds, "load_s": round(load, 3), "peak_rss_mb": round(peak_rss_mb(), 1)}


def cpu_control(processes: int, loops: int = 4_000_000) -> float:
    """Seconds for ``processes`` processes to spin a pure-Python loop of the same total work."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        list(pool.map(_spin, [1000] * processes))  # start the workers
        started = time.perf_counter()
        list(pool.map(_spin, [loops // 4] * 4 * processes))
        return (time.perf_counter() - started) / processes


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _table_rows(db: str) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(db) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _audit_seconds(stderr: str) -> float | None:
    import re

    match = re.search(r"cross-document finding\(s\) in ([0-9.]+) s", stderr)
    return float(match.group(1)) if match else None


def scale_benchmark(corpus: str | None, count: int, seed: int, slope: bool, progress=lambda message: None) -> dict:
    """Run the --scale benchmark and return its report (see the module docstring)."""
    import shutil
    import tempfile

    from ..nlp.reading import iter_inputs
    from .generate_corpus import generate

    work = Path(tempfile.mkdtemp(prefix="reportminer-bench-"))
    try:
        if corpus is None:
            progress(f"generating {count} documents (seed {seed}) …")
            generate(work / "corpus", count, seed)
            corpus_path = work / "corpus"
        else:
            corpus_path = Path(corpus)
        files = list(iter_inputs([str(corpus_path)]))
        size = sum(os.path.getsize(path) for path in files)
        report: dict = {
            "corpus": {"path": str(corpus) if corpus else f"generated: {count} documents, seed {seed}",
                       "files": len(files), "bytes": size},
            "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "results": [],
        }
        progress("timing jieba.lcut …")
        target = __import__("reportminer.scripts.benchmark", fromlist=["jieba_stage"]).jieba_stage
        sampled: dict = {}
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            future = pool.submit(target, files)
            pid = next(iter(pool._processes))  # noqa: SLF001 - the worker to sample
            while not future.done():
                rss, pss = tree_memory(pid)
                sampled["rss"], sampled["pss"] = max(sampled.get("rss", 0), rss), max(sampled.get("pss", 0), pss)
                time.sleep(0.1)
            jieba = future.result()
        chars = jieba["chars"]
        report["corpus"]["chars"] = chars
        report["results"].append({
            "stage": "jieba", "label": "jieba.lcut (plain, lines only)", "seconds": round(jieba["seconds"], 3),
            "chars_per_s": round(chars / jieba["seconds"]), "peak_rss_mb": jieba["peak_rss_mb"],
            "peak_pss_mb": round(sampled.get("pss", 0), 1)})

        def command(label: str, stage: str, db: Path, *options: str, paths: list[str] | None = None,
                    stage_chars: int = chars) -> dict:
            progress(f"timing {label} …")
            argv = [sys.executable, "-c", CLI_BOOT, "extract", *(paths or [str(corpus_path)]), "--out", str(db),
                    *options]
            load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
            run = run_measured(argv)
            if run["exit"] not in (0, 1):
                raise click.ClickException(f"{label} failed ({run['exit']}): {run['stderr']}")
            audit_s = _audit_seconds(run["stderr"])
            result = {"stage": stage, "label": label, "seconds": round(run["seconds"], 3), "cpu_s": run["cpu_s"],
                      "chars_per_s": round(stage_chars / run["seconds"]), "peak_rss_mb": run["peak_rss_mb"],
                      "peak_pss_mb": run["peak_pss_mb"], "audit_s": audit_s,
                      "chars_per_s_without_audit": round(stage_chars / (run["seconds"] - (audit_s or 0))),
                      "load_average_1min": [load_before, os.getloadavg()[0] if load_before is not None else None],
                      "rows": _table_rows(str(db))}
            report["results"].append(result)
            return result

        first = command("extract --jobs 1", "extract_j1", work / "j1.db", "--jobs", "1")
        again = command("extract --jobs 1, re-run (unchanged)", "rerun_j1", work / "j1.db", "--jobs", "1")
        again["chars_per_s"] = again["chars_per_s_without_audit"] = None
        again["of_first_run"] = round(again["seconds"] / first["seconds"], 4)
        again["rows_added"] = sum(again["rows"].values()) - sum(first["rows"].values())
        second = command("extract --jobs 2", "extract_j2", work / "j2.db", "--jobs", "2")
        second["same_rows_as_jobs_1"] = second["rows"] == first["rows"]
        if slope:
            folders = sorted(p for p in corpus_path.iterdir() if p.is_dir())
            half = [str(p) for p in folders[:len(folders) // 2]] if len(folders) >= 2 else files[:len(files) // 2]
            half_files = list(iter_inputs(half))
            half_chars = round(chars * sum(os.path.getsize(p) for p in half_files) / size)
            half_bytes = sum(os.path.getsize(p) for p in half_files)
            report["corpus"]["half"] = {"files": len(half_files), "bytes": half_bytes}
            half_run = command("extract --jobs 1, half the corpus", "extract_j1_half", work / "half.db", "--jobs", "1",
                               paths=half, stage_chars=half_chars)
            plain = command("extract --jobs 1 --no-audit", "extract_j1_noaudit", work / "na.db", "--jobs", "1",
                            "--no-audit")
            plain_half = command("extract --jobs 1 --no-audit, half", "extract_j1_noaudit_half", work / "nah.db",
                                 "--jobs", "1", "--no-audit", paths=half, stage_chars=half_chars)
            mb_full, mb_half = size / 1e6, half_bytes / 1e6
            report["slope"] = {}
            for name, full_run, half_of in (("audit", first, half_run), ("no_audit", plain, plain_half)):
                per_mb = (full_run["peak_rss_mb"] - half_of["peak_rss_mb"]) / max(mb_full - mb_half, 1e-9)
                report["slope"][name] = {"rss_mb_per_corpus_mb": round(per_mb, 2),
                                         "rss_at_100_mb_corpus": round(full_run["peak_rss_mb"] + per_mb * (100 - mb_full))}
        progress("CPU-bound control …")
        one, two = cpu_control(1), cpu_control(2)
        report["cpu_control"] = {"one_process_s": round(one, 3), "two_processes_s_per_share": round(two, 3),
                                 "speed_up": round(one / two, 2) if two else None}
        base = report["results"][0]["chars_per_s"]
        report["targets"] = {
            "extract_j1_vs_jieba": round(first["chars_per_s"] / base, 3),
            "extract_j1_vs_jieba_without_audit": round(first["chars_per_s_without_audit"] / base, 3),
            "extract_j2_vs_j1": round(first["seconds"] / second["seconds"], 3),
            "extract_j2_vs_j1_without_audit": round(second["chars_per_s_without_audit"]
                                                    / first["chars_per_s_without_audit"], 3),
            "rerun_of_first_run": again["of_first_run"],
            "rerun_rows_added": again["rows_added"],
        }
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def format_scale_table(report: dict) -> str:
    """The --scale report as an aligned text table."""
    corpus = report["corpus"]
    lines = [
        f"corpus: {corpus['path']}: {corpus['files']:,} files, {corpus['bytes'] / 1e6:.1f} MB, "
        f"{corpus.get('chars', 0):,} characters",
        f"python {report['python']}, {report['machine']}, {report['cpus']} CPU(s), load average "
        f"{' '.join(f'{x:.2f}' for x in report['load_average'] or [])}",
        "",
        f"{'stage':<38} {'seconds':>8} {'CPU s':>7} {'chars/s':>9} {'x jieba':>8} {'audit s':>8} "
        f"{'w/o audit':>10} {'peak RSS':>9} {'peak PSS':>9}",
    ]
    base = report["results"][0]["chars_per_s"]
    for r in report["results"]:
        rate = r.get("chars_per_s")
        ratio = f"{rate / base:.2f}" if rate else "-"
        audit = f"{r['audit_s']:.1f}" if r.get("audit_s") is not None else "-"
        cpu = f"{r['cpu_s']:.1f}" if r.get("cpu_s") is not None else "-"
        bare = r.get("chars_per_s_without_audit")
        lines.append(f"{r['label']:<38} {r['seconds']:>8.2f} {cpu:>7} {(_human(rate) if rate else '-'):>9} {ratio:>8} "
                     f"{audit:>8} {(_human(bare) if bare else '-'):>10} {r['peak_rss_mb']:>6.0f} MB "
                     f"{r['peak_pss_mb']:>6.0f} MB")
    targets = report["targets"]
    control = report["cpu_control"]
    lines += [
        "",
        f"extract --jobs 1 / jieba.lcut: {targets['extract_j1_vs_jieba']:.2f}x, without the audit "
        f"{targets['extract_j1_vs_jieba_without_audit']:.2f}x (target >= 2)",
        f"extract --jobs 2 / --jobs 1:   {targets['extract_j2_vs_j1']:.2f}x, without the audit "
        f"{targets['extract_j2_vs_j1_without_audit']:.2f}x (target >= 1.8; a CPU-bound control loop gains "
        f"{control['speed_up']:.2f}x from 2 processes on this machine now)",
        f"re-run / first run:            {targets['rerun_of_first_run']:.1%} of the time, "
        f"{targets['rerun_rows_added']} rows added (target < 10 %, 0 rows)",
    ]
    for name, slope in report.get("slope", {}).items():
        lines.append(f"peak RSS slope ({name.replace('_', ' ')}): {slope['rss_mb_per_corpus_mb']:.1f} MB per MB of "
                     f"corpus → about {slope['rss_at_100_mb_corpus']:,} MB at 100 MB (target < 300 MB)")
    lines.append("")
    lines.append("chars/s of a command is over its wall time (start-up, model loading and audit included; "
                 "'w/o audit' leaves out the final cross-document audit pass); jieba's excludes reading and "
                 "loading. CPU s: user + system time of the whole process tree. RSS sums the process tree "
                 "(shared pages counted per process); PSS splits shared pages.")
    return "\n".join(lines)


main = benchmark_command

if __name__ == "__main__":
    benchmark_command(prog_name="python -m reportminer.scripts.benchmark")
