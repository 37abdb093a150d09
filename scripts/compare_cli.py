"""``reportminer indicators``, ``compare`` and ``dashboard``: compare communities by their reports' records."""
from __future__ import annotations

import json
import math
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any, Sequence

import click

from ..extractors.compare import BY, CompareError, Corpus, load, note, pivot
from ..nlp.errors import ReportminerError

EPILOG_INDICATORS = """\b
Examples:
  reportminer indicators                              # the indicator table (nlp/data/indicators.tsv)
  reportminer indicators corpora/samples              # figures per indicator
  reportminer indicators reportminer.db --unmatched   # metrics no indicator takes, most frequent first
"""

EPILOG_COMPARE = """\b
Examples:
  reportminer compare corpora/samples                      # communities × categories and indicators
  reportminer compare reportminer.db --by year --category immunization
  reportminer compare reports/ --indicator vaccinations --indicator 健康档案建档率 --format csv --out pivot.csv
  reportminer compare reportminer.db --format sqlite --out reportminer.db   # table compare_by_org + views
"""

EPILOG_DASHBOARD = """\b
Examples:
  reportminer dashboard corpora/samples -o dashboard.html
  reportminer dashboard reportminer.db -o dashboard.html --title "2023 社区卫生工作"
"""

COMPARE_FORMATS = ("text", "csv", "jsonl", "parquet", "sqlite")


def _load(paths: Sequence[str], jobs: int, findings: bool = False) -> Corpus:
    from ..extractors.pipeline import default_jobs

    try:
        corpus = load(paths, jobs=jobs or default_jobs(), findings=findings)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    for error in corpus.errors:
        click.echo(f"error: {error.message}", err=True)
    if not corpus.documents:
        raise click.ClickException("no documents found in " + ", ".join(paths))
    return corpus


def _echo_frame(frame, handle) -> None:
    import pandas as pd

    width = shutil.get_terminal_size((200, 40)).columns if handle is sys.stdout and sys.stdout.isatty() else 200
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", width,
                           "display.unicode.east_asian_width", True, "display.max_colwidth", 60):
        handle.write((frame.to_string(index=False, line_width=width) if len(frame) else "(none)") + "\n")


@click.command("indicators", epilog=EPILOG_INDICATORS)
@click.argument("paths", nargs=-1)
@click.option("--unmatched", is_flag=True, help="List the metrics (with unit) that no indicator takes, with counts.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "jsonl"]), default="text", show_default=True)
@click.option("--out", "-o", default=None, help="Write to this file instead of standard output.")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Worker processes (0: one per core).")
def indicators_command(paths: tuple[str, ...], unmatched: bool, fmt: str, out: str | None, jobs: int) -> None:
    """Map figures to indicators: the table itself (no PATHS), figures per indicator, or --unmatched metrics.

    PATHS are report files and folders, or one SQLite database written by `reportminer extract`.
    """
    from collections import Counter

    from ..extractors.indicators import indicator_of, indicators
    from ..extractors.indicators import unmatched as unmatched_counts

    if not paths:
        if unmatched:
            raise click.UsageError("--unmatched needs PATHS (reports or a database) to read figures from")
        rows = [{k: v for k, v in i.to_dict().items() if k != "position"} for i in indicators()]
    else:
        corpus = _load(paths, jobs)
        figures = corpus.figures
        if unmatched:
            counts = unmatched_counts(figures)
            rows = [{"metric": metric, "unit": unit, "figures": n}
                    for (metric, unit), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
            click.echo(f"{sum(counts.values())} of {len(figures)} figures match no indicator "
                       f"({len(counts)} distinct metrics); extend nlp/data/indicators.tsv", err=True)
        else:
            per: Counter = Counter()
            docs: dict[str, set[str]] = {}
            for figure in figures:
                indicator = indicator_of(figure)
                if indicator is not None:
                    per[indicator.id] += 1
                    docs.setdefault(indicator.id, set()).add(figure.doc)
            rows = [{"id": i.id, "zh": i.zh, "unit": i.unit, "agg": i.agg, "category": i.category,
                     "figures": per[i.id], "documents": len(docs[i.id])} for i in indicators() if per[i.id]]
            click.echo(f"{sum(per.values())} of {len(figures)} figures have an indicator "
                       f"({len(rows)} indicators)", err=True)
    _write_rows(rows, fmt, out)


def _write_rows(rows: list[dict[str, Any]], fmt: str, out: str | None) -> None:
    import pandas as pd

    handle = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            pd.DataFrame(rows).to_csv(handle, index=False)
        else:
            _echo_frame(pd.DataFrame(rows), handle)
    finally:
        if out:
            handle.close()


def _clean(value: Any) -> Any:
    """A cell as a plain JSON value: NaN and pandas' NA as None, numpy scalars as Python numbers."""
    import pandas as pd

    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def _cell(value: Any) -> str:
    """A number for reading: whole numbers without decimals, missing values blank."""
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.2f}"
    return str(value)


def _print_text(frame, handle) -> None:
    """The pivot in blocks that fit a screen, rows always the groups: the activity counts per category,
    then the indicators of each category (achieved, target beside), leaving out rows with no value there."""
    from ..extractors.compare import column_name
    from ..nlp.classify import taxonomy

    cols = frame.attrs["columns"]
    zh = {c.id: c.zh for c in taxonomy()}
    head = frame[["group", "documents"]].rename(columns={"group": frame.attrs["by"], "documents": "docs"})
    blocks = []
    activity = [column_name(c, "zh") for c in cols if c.kind == "activities"]
    if activity:
        blocks.append(("activities (sentences) per category", activity, False))
    for category in dict.fromkeys(c.key_category for c in cols if c.kind == "indicator"):
        names = [column_name(c, "zh") for c in cols if c.kind == "indicator" and c.key_category == category]
        blocks.append((f"indicators · {zh.get(category, category)} ({category})", names, True))
    for title, names, drop_empty in blocks:
        part = frame[names]
        keep = part.notna().any(axis=1) if drop_empty else part.index == part.index
        shown = head[keep].join(part[keep].map(_cell))
        handle.write(f"\n== {title}\n")
        _echo_frame(shown, handle)
    handle.write("\n" + note(frame) + "\n")


@click.command("compare", epilog=EPILOG_COMPARE)
@click.argument("paths", nargs=-1, required=True)
@click.option("--by", type=click.Choice(BY), default="org", show_default=True,
              help="Rows: organisation (community), place, document or year.")
@click.option("--indicator", "names", multiple=True, help="Only this indicator (id or 中文名; repeatable).")
@click.option("--category", "categories", multiple=True, help="Only this taxonomy category (repeatable).")
@click.option("--format", "fmt", type=click.Choice(COMPARE_FORMATS), default="text", show_default=True)
@click.option("--out", "-o", default=None,
              help="Output file (standard output for text, csv, jsonl); for sqlite the database to write into.")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Worker processes (0: one per core).")
def compare_command(paths: tuple[str, ...], by: str, names: tuple[str, ...], categories: tuple[str, ...], fmt: str,
                    out: str | None, jobs: int) -> None:
    """Compare communities: a pivot with one row per community (or place, document, year), the activity
    counts of each category, and each indicator's achieved value with its target beside it.

    PATHS are report files and folders, or one SQLite database written by `reportminer extract`.
    Counts and amounts are summed per row, rates (%) are averaged, standing facts (staff, population) take
    the largest figure. A document that names no organisation is a row of its own, `(doc) <doc id>`.
    With --indicator and no --category, only the indicators are shown (no activity counts).
    """
    corpus = _load(paths, jobs)
    try:
        frame = pivot(corpus, by, names, categories, names="zh" if fmt == "text" else "id")
    except CompareError as error:
        raise click.ClickException(str(error)) from error
    if fmt == "text":
        handle = open(out, "w", encoding="utf-8") if out else sys.stdout
        try:
            _print_text(frame, handle)
        finally:
            if out:
                handle.close()
    elif fmt == "csv":
        _for_files(frame).to_csv(out or sys.stdout, index=False)
    elif fmt == "jsonl":
        handle = open(out, "w", encoding="utf-8") if out else sys.stdout
        try:
            for row in _for_files(frame).to_dict(orient="records"):
                handle.write(json.dumps({k: _clean(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
        finally:
            if out:
                handle.close()
    elif fmt == "parquet":
        if not out:
            raise click.UsageError("--format parquet needs --out FILE")
        try:
            import pyarrow  # noqa: F401
        except ImportError as error:
            raise click.ClickException("--format parquet needs the optional extra: pip install 'reportminer[parquet]'") from error
        _for_files(frame).to_parquet(out, index=False)
    else:
        if not out:
            raise click.UsageError("--format sqlite needs --out DATABASE")
        _write_sqlite(frame, out, by)
    summary = f"{len(frame)} rows ({by}), {len(frame.attrs['columns'])} value columns"
    click.echo(summary if fmt == "text" else f"{summary}; {note(frame)}", err=True)


def _for_files(frame):
    """The pivot as written to files: value columns of whole numbers as nullable integers (9870, not
    9870.0), and no attrs (the column descriptions, which Parquet metadata cannot hold)."""
    plain = frame.copy()
    plain.attrs = {}
    for column in plain.columns[4:]:
        values = plain[column].dropna()
        if plain[column].dtype.kind == "f" and len(values) and (values == values.round()).all() \
                and values.abs().max() < 2**53:
            plain[column] = plain[column].astype("Int64")
    return plain


def _write_sqlite(frame, out: str, by: str) -> None:
    """The pivot as table compare_by_<by> (replaced), and the views of extractors/views.py."""
    from ..extractors.views import create_views

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(out)
    try:
        _for_files(frame).to_sql(f"compare_by_{by}", db, if_exists="replace", index=False)
        create_views(db)
    finally:
        db.close()
    click.echo(f"wrote table compare_by_{by} and the views to {out}", err=True)


@click.command("dashboard", epilog=EPILOG_DASHBOARD)
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", "-o", default="dashboard.html", show_default=True, help="The HTML file to write.")
@click.option("--by", type=click.Choice(BY), default="org", show_default=True,
              help="Rows: organisation (community), place, document or year.")
@click.option("--title", default=None, help="Page title (default: reportminer dashboard).")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Worker processes (0: one per core).")
def dashboard_command(paths: tuple[str, ...], out: str, by: str, title: str | None, jobs: int) -> None:
    """Write ONE self-contained HTML dashboard of PATHS (reports or a database): categories per community,
    indicator comparison, targets vs achieved, audit findings with their source lines, filters by
    category and community. The charts are Plotly, embedded inline: the page needs no network.
    """
    from ..extractors.dashboard import plotly_js, write_dashboard

    try:
        plotly_js()  # fail before extracting anything when the extra is missing
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    corpus = _load(paths, jobs, findings=True)
    try:
        data = write_dashboard(corpus, out, by, title)
    except ReportminerError as error:
        raise click.ClickException(str(error)) from error
    size = Path(out).stat().st_size
    click.echo(f"wrote {out} ({size / 1e6:.1f} MB): {len(data['communities'])} rows, "
               f"{len(data['indicators'])} indicators, {len(data['findings'])} findings", err=True)
