"""``reportminer audit``: check every claimed figure of reports, or of a database written by ``extract``."""
from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from typing import Any, TextIO

import click

from ..extractors.audit import SEVERITIES, Finding, audit, profile_records
from ..extractors.pipeline import default_jobs, extract_paths
from ..extractors.sources import SourceLines
from ..extractors.stored import is_sqlite, read_sqlite
from ..nlp.errors import ReportminerError

EPILOG = """\b
Examples:
  reportminer audit corpora/samples                  # findings by document, most severe first
  reportminer audit reportminer.db                   # the database written by `reportminer extract`
  reportminer audit reports/ --format jsonl --out findings.jsonl
  reportminer audit reports/ --min-severity warning --check part_sum_mismatch
  reportminer audit reports/ --profiles              # figures, round numbers, hedges, gaps per document
"""

_WINDOW = 36


@click.command("audit", epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "csv"]), default="text", show_default=True)
@click.option("--out", "-o", default=None, help="Write to this file instead of standard output.")
@click.option("--min-severity", type=click.Choice(SEVERITIES), default="info", show_default=True,
              help="Leave out findings less severe than this.")
@click.option("--check", "checks", multiple=True, help="Only these checks (repeatable), e.g. placeholder.")
@click.option("--profiles", is_flag=True, help="Write the figure profile of each document instead of findings.")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Worker processes (0: one per core).")
def audit_command(paths: tuple[str, ...], fmt: str, out: str | None, min_severity: str, checks: tuple[str, ...],
                  profiles: bool, jobs: int) -> None:
    """Audit the figures of PATHS (report files, folders) or of one SQLite database written by extract.

    Checks: placeholder (empty number slots, masked years and names), rate_out_of_range,
    implausible_value, part_sum_mismatch, rate_count_mismatch, duplicate_claim, target_missed.
    """
    try:
        if len(paths) == 1 and is_sqlite(paths[0]):
            extractions = list(read_sqlite(paths[0]))
        else:
            extractions = list(extract_paths(paths, jobs=jobs or default_jobs(), audit=False))
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    for extraction in extractions:
        for error in extraction.errors:
            click.echo(f"error: {error.message}", err=True)
    findings = audit(extractions)
    if profiles:
        _write_rows([p.to_dict() for p in profile_records(extractions, findings)], fmt, out, profile=True)
        return
    limit = SEVERITIES.index(min_severity)
    findings = [f for f in findings if SEVERITIES.index(f.severity) <= limit and (not checks or f.check in checks)]
    if fmt != "text":
        _write_rows([f.to_dict() for f in findings], fmt, out)
    else:
        handle = open(out, "w", encoding="utf-8") if out else sys.stdout
        try:
            _print_text(findings, extractions, handle, underline=out is None and sys.stdout.isatty())
        finally:
            if out:
                handle.close()
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    click.echo(f"{len(findings)} findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()), err=True)


def _write_rows(rows: list[dict[str, Any]], fmt: str, out: str | None, profile: bool = False) -> None:
    handle: TextIO = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "csv":
            if rows:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v
                                     for k, v in row.items()})
        elif fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            import pandas as pd

            frame = pd.DataFrame(rows)
            with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                                   "display.unicode.east_asian_width", True):
                handle.write((frame.to_string(index=False) if rows else "(none)") + "\n")
    finally:
        if out:
            handle.close()


def mark_span(raw: str, start: int | None, end: int | None, underline: bool = False) -> str:
    """The part of a raw line around a span, the span marked with 【】 (or an ANSI underline)."""
    if start is None or end is None:
        text = raw.strip()
        return text if len(text) <= 2 * _WINDOW + 20 else text[:2 * _WINDOW + 20] + "…"
    left = max(0, start - _WINDOW)
    right = min(len(raw), end + _WINDOW)
    span = raw[start:end] or "▯"
    marked = click.style(span, underline=True, bold=True) if underline else f"【{span}】"
    return ("…" if left else "") + raw[left:start].lstrip() + marked + raw[end:right].rstrip() + (
        "…" if right < len(raw) else "")


def _print_text(findings: list[Finding], extractions: list[Any], handle: TextIO, underline: bool) -> None:
    titles = {d.doc: d for e in extractions for d in e.documents}
    sources = SourceLines(extractions)
    grouped: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[(finding.file, finding.doc)].append(finding)
    if not findings:
        handle.write("no findings\n")
    for (file, doc), group in grouped.items():
        document = titles.get(doc or "")
        counts = ", ".join(f"{n} {s}" for s in SEVERITIES if (n := sum(1 for f in group if f.severity == s)))
        title = (document.title if document and document.title else "(untitled)")
        handle.write(f"\n{doc}  {title}  [{file}]  {counts}\n")
        for finding in group:
            where = f"line {finding.line}" if finding.line is not None else ""
            handle.write(f"  {finding.severity:<7} {finding.check:<19} {where:>9}  "
                         f"{finding.message}\n")
            raw = sources.line(finding.file, finding.line)
            if raw is not None:
                handle.write(f"      │ {mark_span(raw, finding.start, finding.end, underline)}\n")
