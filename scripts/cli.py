"""The ``reportminer`` command: thin click wiring over the library in ``extractors`` and ``nlp``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..extractors.output import FORMATS, Writer
from ..extractors.pipeline import default_jobs, extract_paths, extract_raw
from ..nlp.errors import ReportminerError
from ..nlp.reading import iter_inputs, read_bytes, read_path

EPILOG_EXTRACT = """\b
Examples:
  reportminer extract corpora/samples                 # → reportminer.db (SQLite)
  reportminer extract reports/ --format jsonl --out out/
  reportminer extract a.txt b.docx --format csv --out tables/
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
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="sqlite", show_default=True)
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Worker processes (0: one per core).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def extract(paths: tuple[str, ...], out: str | None, fmt: str, jobs: int, quiet: bool) -> None:
    """Extract documents, sections, figures and activities from PATHS (files, folders, or - for stdin)."""
    out = out or ("reportminer.db" if fmt == "sqlite" else "reportminer-out")
    try:
        writer = Writer(out, fmt)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    jobs = jobs or default_jobs()
    failed: list[str] = []
    show = not quiet and sys.stderr.isatty()
    results = extract_paths(paths, jobs=jobs)
    with click.progressbar(results, label="extracting", file=sys.stderr, show_pos=True) if show else _nullbar(results) as bar:
        for extraction in bar:
            writer.write(extraction.tables())
            for error in extraction.errors:
                failed.append(error.message)
                click.echo(f"error: {error.message}", err=True)
    writer.close()
    if not quiet:
        counts = ", ".join(f"{writer.counts.get(name, 0)} {name}" for name in
                           ("documents", "sections", "figures", "activities"))
        click.echo(f"wrote {counts} to {Path(out)} ({fmt})", err=True)
    if failed:
        click.echo(f"{len(failed)} input(s) failed; the rest were extracted", err=True)
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
