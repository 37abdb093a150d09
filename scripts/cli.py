"""The ``reportminer`` command: thin click wiring over the library in ``extractors`` and ``nlp``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..extractors.output import FORMATS, Writer
from ..extractors.pipeline import ENGINES, default_jobs, extract_raw, iter_files, run_extract
from ..nlp.errors import ReportminerError
from ..nlp.reading import read_bytes, read_path

EPILOG_EXTRACT = """\b
Examples:
  reportminer extract corpora/samples                 # → reportminer.db (SQLite)
  reportminer extract corpora/samples                 # again: unchanged files are skipped
  reportminer extract reports/ --jobs 4 --force       # re-extract everything with 4 processes
  reportminer extract reports/ --format jsonl --out out/
  reportminer extract a.txt b.docx --format csv --out tables/
  reportminer extract reports/ --engine dask --scheduler tcp://10.0.0.5:8786 --format parquet --out pq/
  cat report.txt | reportminer extract - --format jsonl --out out/
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reportminer")
def main() -> None:
    """Turn Chinese work reports (工作总结, 工作计划, 政府工作报告) into structured, auditable records."""


def _read_one(path: str):
    """Read one input for the per-file commands, turning read errors into a clean CLI error."""
    try:
        return read_bytes(sys.stdin.buffer.read(), "-") if path == "-" else read_path(path)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error


@main.command(epilog=EPILOG_EXTRACT)
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "-o", default=None, help="SQLite file (default reportminer.db) or, for jsonl/csv/parquet, a folder.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="sqlite", show_default=True,
              help="sqlite is incremental (unchanged files are skipped); the folder formats are rewritten.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Worker processes (default and 0: one per core; 1: in this process).")
@click.option("--force", is_flag=True, help="Extract every file again, even those the database holds unchanged.")
@click.option("--audit/--no-audit", default=True, show_default=True,
              help="Run the cross-document audit checks (their memory grows with the corpus).")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="local: a process pool; dask: a dask.distributed cluster (extra 'dask').")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); default: a local cluster of --jobs workers.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def extract(paths: tuple[str, ...], out: str | None, fmt: str, jobs: int | None, force: bool, audit: bool,
            engine: str, scheduler: str | None, quiet: bool) -> None:
    """Extract documents, sections, figures and activities from PATHS (files, folders, or - for stdin)."""
    out = out or ("reportminer.db" if fmt == "sqlite" else "reportminer-out")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler goes with --engine dask")
    try:
        writer = Writer(out, fmt)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    jobs = jobs or default_jobs()
    show = not quiet and sys.stderr.isatty()
    bar = None
    if show:
        total = sum(1 for _ in iter_files(paths))
        bar = click.progressbar(length=total, label="extracting", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def on_file(path: str, extraction) -> None:
        for error in extraction.errors if extraction is not None else ():
            click.echo(f"error: {error.message}", err=True)
        if bar is not None:
            bar.update(1)

    try:
        summary = run_extract(paths, writer, jobs=jobs, force=force, audit=audit, engine=engine,
                              scheduler=scheduler, on_file=on_file)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        writer.close()
    if not quiet:
        counts = ", ".join(f"{summary.counts.get(name, 0)} {name}" for name in
                           ("documents", "sections", "figures", "activities"))
        click.echo(f"wrote {counts} to {Path(out)} ({fmt})", err=True)
        skipped = f", {summary.skipped} unchanged (skipped)" if fmt == "sqlite" else ""
        audit_note = {"run": f"; audit: {summary.corpus_findings} cross-document finding(s) in "
                             f"{summary.audit_seconds:.1f} s",
                      "unchanged": "; audit: unchanged"}.get(summary.audit, "")
        click.echo(f"{summary.files} file(s): {summary.extracted} extracted{skipped}, {summary.failed} failed, "
                   f"{summary.chars:,} characters in {summary.seconds:.1f} s{audit_note}", err=True)
    if summary.failed:
        click.echo(f"{summary.failed} input(s) failed; the rest were extracted", err=True)
        sys.exit(1)


class _nullbar:
    """A stand-in for click.progressbar when no bar is shown."""

    def __init__(self, iterable):
        self.iterable = iterable

    def __enter__(self):
        return self.iterable

    def __exit__(self, *exc):
        return False


@main.command()
@click.argument("path")
@click.option("--pos", is_flag=True, help="Add part-of-speech tags (word/tag).")
def segment(path: str, pos: bool) -> None:
    """Print the words of PATH separated by spaces, one input line per output line.

    \b
    Example:
      reportminer segment report.txt --pos
    """
    from ..extractors.documents import normalised_lines
    from ..nlp.segment import default_segmenter

    segmenter = default_segmenter()
    for line in normalised_lines(_read_one(path)):
        if pos:
            click.echo(" ".join(f"{word}/{tag}" for word, tag in segmenter.tag(line.text) if word.strip()))
        else:
            click.echo(" ".join(word for word in segmenter.cut(line.text) if word.strip()))


@main.command()
@click.argument("path")
def figures(path: str) -> None:
    """Print the figures of PATH as a table: line, text, value, unit, qualifier, modality, metric.

    \b
    Example:
      reportminer figures corpora/samples/001_guixiang_chc_summary_2023.txt
    """
    extraction = extract_raw(_read_one(path))
    _print_table(
        [f.to_dict() for f in extraction.figures],
        ["line", "text", "value", "value_max", "unit", "qualifier", "modality", "metric", "category"],
    )


@main.command()
@click.argument("path")
def sections(path: str) -> None:
    """Print the outline of PATH: documents and their headings, indented by level.

    \b
    Example:
      reportminer sections corpora/samples/001_guixiang_chc_summary_2023.txt
    """
    extraction = extract_raw(_read_one(path))
    for document in extraction.documents:
        click.echo(f"{document.doc}  {document.title or '(untitled)'}  [{document.kind}, {document.year}, "
                   f"{document.org}, {document.place}]")
        for section in extraction.sections:
            if section.doc == document.doc:
                click.echo(f"{section.line:>6}  {'  ' * section.level}{section.marker}{section.title}")


def _print_table(rows: list[dict], columns: list[str]) -> None:
    """Print rows as an aligned text table (pandas does the layout)."""
    import pandas as pd

    if not rows:
        click.echo("(none)")
        return
    frame = pd.DataFrame(rows)[columns]
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.unicode.east_asian_width", True):
        click.echo(frame.to_string(index=False))
from .audit_cli import audit_command  # noqa: E402
main.add_command(audit_command, "audit")
from .train import classify_command, train_command  # noqa: E402
main.add_command(train_command, "train")
main.add_command(classify_command, "classify")
from .benchmark import benchmark_command  # noqa: E402

main.add_command(benchmark_command, "benchmark")
from .generate_corpus import generate_command  # noqa: E402
main.add_command(generate_command, "generate-corpus")
from .compare_cli import compare_command, dashboard_command, indicators_command  # noqa: E402

main.add_command(indicators_command, "indicators")
main.add_command(compare_command, "compare")
main.add_command(dashboard_command, "dashboard")
