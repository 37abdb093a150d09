"""Indicators, the compare pivot and the SQL views, checked against the figures they come from.

The numbers of every pivot cell are recomputed here from the figure records with plain loops (the rule:
sum over lines of each line's largest figure, mean, or max, as indicators.tsv says), on the bundled
samples and on the seeds (measurement only: nothing of the seeds is written down here). A few cells are
checked against the sample text itself, read by hand.
"""
from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportminer.extractors.compare import FALLBACK_MARK, Corpus, aggregate, group_of, load, pivot
from reportminer.extractors.indicators import (
    indicator_of, indicator_value, indicators, lookup, match, pivot_modality, unmatched)
from reportminer.extractors.output import Writer
from reportminer.extractors.pipeline import extract_paths
from reportminer.extractors.views import VIEW_NAMES, VIEWS, create_views
from reportminer.nlp.classify import category_ids
from reportminer.nlp.resources import data_table
from reportminer.scripts.cli import main

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpora" / "samples"
SEEDS = REPO.parent / "shared" / "seeds"
GUIXIANG = "桂香社区卫生服务中心"
LIUWAN = "柳湾街道"
PLAN_007 = FALLBACK_MARK + "007_20xx_chc_work_plan#1"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds not present")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def samples() -> Corpus:
    return load([str(SAMPLES)])


@pytest.fixture(scope="module")
def seeds() -> Corpus:
    return load([str(SEEDS)])


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory) -> Path:
    """The samples extracted by the CLI into SQLite, as users do."""
    out = tmp_path_factory.mktemp("db") / "samples.db"
    result = run("extract", str(SAMPLES), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------- the indicator table


def test_table_has_enough_indicators_across_the_taxonomy():
    table = indicators()
    assert len(table) >= 60
    assert {i.category for i in table} <= set(category_ids())
    assert len({i.category for i in table}) >= 15
    for ident in ("health_lectures", "health_materials", "records_built", "record_rate", "vaccinations",
                  "garbage_removed", "trainees", "outpatient_visits", "hypertension_managed", "diabetes_managed",
                  "elderly_checkups", "newborn_visits", "maternal_management_rate", "contract_rate", "bait_stations",
                  "dead_corners", "bulletin_boards", "free_clinics", "followups", "trainings", "investment",
                  "gdp_growth", "budget_revenue", "new_jobs"):
        assert lookup(ident) is not None, ident
    assert lookup("健康讲座").id == "health_lectures"  # by 中文名 too


def test_every_example_maps_to_its_own_row():
    checked = 0
    for indicator in indicators():
        assert indicator.examples, f"{indicator.id} has no examples"
        for metric, unit in indicator.examples:
            found = match(metric, unit)
            assert found is not None and found.id == indicator.id, (indicator.id, metric, unit, found and found.id)
            checked += 1
    assert checked >= 150


def test_units_are_canonical_units():
    canonical = {row["canonical"] for row in data_table("units.tsv")} | {"%"}
    for indicator in indicators():
        assert set(indicator.units) <= canonical, (indicator.id, set(indicator.units) - canonical)
        assert indicator.agg in ("sum", "mean", "max")
        assert (indicator.unit == "%") == (indicator.units == ("%",)), indicator.id


def test_unit_must_be_compatible():
    assert match("疏通下水道", "处").id == "sewers"
    assert match("疏通下水道", "米").id == "sewer_length"
    assert match("健康知识讲座", "份") is None
    assert match("清运垃圾", "公斤").id == "garbage_removed"
    assert indicator_value(_Fig("清运垃圾", "公斤", 2500), lookup("garbage_removed")) == 2.5
    assert indicator_value(_Fig("投资", "元", 460000), lookup("investment")) == 46  # 万元


def test_longest_match_and_excludes():
    assert match("健康教育讲座", "次").id == "health_lectures"  # not health_events
    assert match("消防知识讲座", "场").id == "safety_lectures"
    assert match("新生儿乙肝疫苗接种率", "%").id == "hepb_newborn_rate"
    assert match("重点人群签约率", "%").id == "key_contract_rate"
    assert match("常住人口签约率", "%").id == "contract_rate"
    assert match("地区生产总值增长", "%").id == "gdp_growth"
    assert match("地区生产总值", "元").id == "gdp"
    assert match("占地区生产总值比重", "%") is None
    assert match("规范管理率", "%") is None  # of what? stays raw


def test_frequencies_and_traditional_metrics():
    assert match("者每季度至少随访", "次") is None  # how often, not how many
    assert match("面对面随访", "次").id == "followups"
    assert match("中醫診療", "人次").id == "tcm_services"
    assert match(None, "人") is None and match("讲座", None) is None


def test_context_counts_only_for_standing_facts():
    assert pivot_modality("context", lookup("staff")) == "achieved"
    assert pivot_modality("context", lookup("health_lectures")) is None
    assert pivot_modality("target", lookup("health_lectures")) == "target"


def test_aggregate_rule():
    assert aggregate([[9870, 7650]], "sum") == 9870  # a total and its part on one line count once
    assert aggregate([[12], [8]], "sum") == 20
    assert aggregate([[90, 80], [70]], "mean") == 80
    assert aggregate([[0.1], [0.2]], "sum") == 0.3
    assert aggregate([[42], [40, 15]], "max") == 42


class _Fig:
    def __init__(self, metric, unit, value, modality="achieved"):
        self.metric, self.unit, self.value, self.modality = metric, unit, value, modality


# --------------------------------------------------------------------------- recomputing cells from figures


def expected_cells(corpus: Corpus, by: str = "org") -> dict[tuple[str, str, str], float]:
    """(group, indicator, modality) → value, from the figure records with plain loops."""
    label = {(d.file, d.doc): group_of(d, by)[0] for d in corpus.documents}
    per_line: dict[tuple[str, str, str], dict[tuple[str, int], list[float]]] = defaultdict(lambda: defaultdict(list))
    agg = {}
    for figure in corpus.figures:
        indicator = indicator_of(figure)
        if indicator is None:
            continue
        if figure.modality == "target":
            modality = "target"
        elif figure.modality == "achieved" or (figure.modality == "context" and indicator.agg == "max"):
            modality = "achieved"
        else:
            continue
        key = (label[(figure.file, figure.doc)], indicator.id, modality)
        per_line[key][(figure.file, figure.line)].append(indicator_value(figure, indicator))
        agg[key] = indicator.agg
    out = {}
    for key, lines in per_line.items():
        every = [v for values in lines.values() for v in values]
        if agg[key] == "sum":
            out[key] = sum(max(values) for values in lines.values())
        elif agg[key] == "mean":
            out[key] = sum(every) / len(every)
        else:
            out[key] = max(every)
    return out


def expected_counts(corpus: Corpus, by: str = "org") -> dict[tuple[str, str], int]:
    label = {(d.file, d.doc): group_of(d, by)[0] for d in corpus.documents}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for activity in corpus.activities:
        counts[(label[(activity.file, activity.doc)], activity.category)] += 1
    return counts


def check_pivot_against_figures(corpus: Corpus, by: str) -> int:
    """Every cell of the pivot equals the value recomputed from the figures; returns the cells checked."""
    frame = pivot(corpus, by)
    cells = expected_cells(corpus, by)
    counts = expected_counts(corpus, by)
    rows = {row["group"]: row for row in frame.to_dict(orient="records")}
    assert list(rows) == list(dict.fromkeys(group_of(d, by)[0] for d in corpus.documents))
    checked = 0
    for col in frame.attrs["columns"]:
        for group, row in rows.items():
            value = row[col.name]
            if col.kind == "activities":
                assert value == counts.get((group, col.key), 0), (group, col.key)
            else:
                want = cells.get((group, col.key, col.modality))
                if want is None:
                    assert isinstance(value, float) and math.isnan(value), (group, col.name, value)
                else:
                    assert value == pytest.approx(want, abs=5e-5), (group, col.name)  # 4 decimals
                    checked += 1
    assert checked == len(cells)  # no cell lost, none made up
    return checked


@pytest.mark.parametrize("by", ["org", "place", "doc", "year"])
def test_samples_pivot_matches_figures(samples, by):
    assert check_pivot_against_figures(samples, by) > (100 if by != "year" else 50)


@needs_seeds
@pytest.mark.parametrize("by", ["org", "doc"])
def test_seeds_pivot_matches_figures(seeds, by):
    assert len(seeds.documents) >= 10
    assert check_pivot_against_figures(seeds, by) > 50


@needs_seeds
def test_seeds_documents_without_org_stand_alone(seeds):
    frame = pivot(seeds, "org")
    no_org = [d for d in seeds.documents if not d.org]
    assert no_org
    for document in no_org:
        row = frame[frame["group"] == FALLBACK_MARK + document.doc]
        assert len(row) == 1 and bool(row["is_doc"].iloc[0]) and row["documents"].iloc[0] == 1


def test_samples_cells_read_by_hand(samples):
    frame = pivot(samples, "org").set_index("group")
    guixiang = frame.loc[GUIXIANG]
    # 全年共接种各类疫苗9870剂次，其中一类疫苗7650剂次: the part is not added to its total
    assert guixiang["vaccinations [人次]"] == 9870
    # 全年新建居民健康档案3126份，累计建立居民健康档案2.56万余份: one line, the larger figure
    assert guixiang["records_built [份]"] == 25600
    assert guixiang["health_lectures [场]"] == 12
    assert guixiang["key_contract_rate [%, mean]"] == 63.5
    assert guixiang["key_contract_rate target [%, mean]"] == 70  # target beside the achieved value
    assert guixiang["drug_savings [万元]"] == 46  # 约46万元
    assert guixiang["staff [人, max]"] == 42  # a standing fact (context)
    assert frame.loc[LIUWAN, "garbage_removed [吨]"] == 1350
    assert frame.loc[LIUWAN, "dead_corners [处]"] == 560
    plan = frame.loc[PLAN_007]
    assert bool(plan["is_doc"]) and plan["documents"] == 1
    assert plan["health_lectures target [场]"] == 12  # 举办健康知识讲座不少于12次
    assert math.isnan(plan["health_lectures [场]"])


def test_filters(samples):
    frame = pivot(samples, "org", indicator_names=["vaccinations", "预防接种建证率"])
    keys = {c.key for c in frame.attrs["columns"]}
    assert keys == {"vaccinations", "certificate_rate"}  # no activity columns with --indicator alone
    frame = pivot(samples, "org", categories=["immunization"])
    assert {c.key_category for c in frame.attrs["columns"]} == {"immunization"}
    assert "activities:immunization" in frame.columns
    with pytest.raises(Exception, match="unknown indicator"):
        pivot(samples, "org", indicator_names=["no_such_thing"])
    with pytest.raises(Exception, match="unknown category"):
        pivot(samples, "org", categories=["no_such_category"])


def test_unmatched_metrics_are_counted(samples):
    counts = unmatched(samples.figures)
    matched = sum(1 for f in samples.figures if indicator_of(f) is not None)
    assert sum(counts.values()) + matched == len(samples.figures)
    assert matched / len(samples.figures) > 0.7
    assert counts[("规范管理率", "%")] >= 1


# --------------------------------------------------------------------------- CLI


def test_cli_compare_text_marks_documents(samples):
    result = run("compare", str(SAMPLES))
    assert result.exit_code == 0, result.output
    assert PLAN_007 in result.output and GUIXIANG in result.output
    assert "averaged" in result.output and "summed" in result.output  # says how values add up
    assert "健康讲座(场)" in result.output and "健康讲座·目标" in result.output


def test_cli_compare_formats_agree(samples, tmp_path):
    expected = pivot(samples, "org", categories=["health_education"])
    csv_out, jsonl_out, parquet_out = tmp_path / "p.csv", tmp_path / "p.jsonl", tmp_path / "p.parquet"
    for fmt, out in (("csv", csv_out), ("jsonl", jsonl_out), ("parquet", parquet_out)):
        result = run("compare", str(SAMPLES), "--category", "health_education", "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
    with open(csv_out, encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    jsonl_rows = [json.loads(line) for line in jsonl_out.read_text(encoding="utf-8").splitlines()]
    import pandas as pd

    parquet = pd.read_parquet(parquet_out)
    assert list(parquet.columns) == list(expected.columns) == list(csv_rows[0]) == list(jsonl_rows[0])
    for index, row in enumerate(expected.to_dict(orient="records")):
        for column, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                assert jsonl_rows[index][column] is None and csv_rows[index][column] == ""
            elif column not in ("group", "docs", "is_doc"):
                assert jsonl_rows[index][column] == pytest.approx(value)
                assert float(csv_rows[index][column]) == pytest.approx(value)
                assert parquet.iloc[index][column] == pytest.approx(value)


def test_cli_compare_from_database_equals_from_files(samples, samples_db):
    result = run("compare", str(samples_db), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    from_db = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    from_files = pivot(samples, "org").to_dict(orient="records")
    assert [r["group"] for r in from_db] == [r["group"] for r in from_files]
    for db_row, file_row in zip(from_db, from_files):
        for column, value in file_row.items():
            if isinstance(value, float) and math.isnan(value):
                assert db_row[column] is None
            else:
                assert db_row[column] == (pytest.approx(value) if isinstance(value, float) else value), column


def test_cli_compare_into_database(samples_db, tmp_path):
    db_path = tmp_path / "copy.db"
    db_path.write_bytes(samples_db.read_bytes())
    result = run("compare", str(db_path), "--by", "doc", "--format", "sqlite", "--out", str(db_path))
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT COUNT(*) FROM compare_by_doc").fetchone()[0]
        documents = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert rows == documents and set(VIEW_NAMES) <= views


def test_cli_indicators(samples):
    result = run("indicators")
    assert result.exit_code == 0 and "health_lectures" in result.output
    result = run("indicators", str(SAMPLES), "--unmatched", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    counts = unmatched(samples.figures)
    assert {(r["metric"], r["unit"]): r["figures"] for r in rows} == dict(counts)
    assert [r["figures"] for r in rows] == sorted((r["figures"] for r in rows), reverse=True)
    result = run("indicators", str(SAMPLES), "--format", "csv")
    assert result.exit_code == 0
    per = {row["id"]: int(row["figures"]) for row in csv.DictReader(l for l in result.output.splitlines() if "," in l)}
    assert sum(per.values()) == sum(1 for f in samples.figures if indicator_of(f) is not None)
    assert run("indicators", "--unmatched").exit_code != 0


# --------------------------------------------------------------------------- SQL views


def _views_db(source: Path, tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "views.db"
    path.write_bytes(source.read_bytes())
    db = sqlite3.connect(path)
    create_views(db)
    create_views(db)  # safe to repeat
    return db


def test_views_statements():
    assert len(VIEWS) == len(VIEW_NAMES)
    assert all(s.startswith("CREATE VIEW IF NOT EXISTS") for s in VIEWS)


def test_views_agree_with_compare(samples_db, tmp_path):
    db = _views_db(samples_db, tmp_path)
    corpus = load([str(samples_db)])
    cells = expected_cells(corpus)
    rows = db.execute("SELECT community, indicator, modality, value, figures FROM indicator_values").fetchall()
    assert {(c, i, m): v for c, i, m, v, _ in rows} == pytest.approx(cells)
    counts = {(c, k): n for c, k, n in db.execute("SELECT community, category, activities FROM category_counts")}
    assert counts == dict(expected_counts(corpus))
    joined = db.execute("SELECT COUNT(*), COUNT(indicator), COUNT(kind) FROM figure_details").fetchone()
    assert joined[0] == len(corpus.figures) == joined[2]
    assert joined[1] == sum(1 for f in corpus.figures if indicator_of(f) is not None)
    findings = db.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM finding_details").fetchone()[0] == findings
    assert db.execute("SELECT SUM(findings) FROM document_findings").fetchone()[0] == findings
    assert db.execute("SELECT COUNT(*) FROM document_findings").fetchone()[0] == len(corpus.documents)
    no_text = db.execute("SELECT COUNT(*) FROM finding_details WHERE line_text IS NULL").fetchone()[0]
    assert no_text == 0
    documents = dict(db.execute("SELECT doc, community FROM community_documents"))
    assert documents["007_20xx_chc_work_plan#1"] == PLAN_007
    db.close()


def test_views_on_a_database_without_findings(tmp_path):
    out = tmp_path / "plain.db"
    writer = Writer(out, "sqlite")
    for extraction in extract_paths([str(SAMPLES / "001_guixiang_chc_summary_2023.txt")], audit=False):
        writer.write({name: rows for name, rows in extraction.tables().items() if name != "findings"})
    writer.close()
    db = sqlite3.connect(out)
    create_views(db)
    for name in VIEW_NAMES:
        db.execute(f'SELECT * FROM "{name}"').fetchall()
    assert db.execute("SELECT SUM(findings) FROM document_findings").fetchone()[0] == 0
    db.close()


@needs_seeds
def test_seeds_database_equals_files(seeds, tmp_path):
    out = tmp_path / "seeds.db"
    assert run("extract", str(SEEDS), "--out", str(out), "--quiet").exit_code == 0
    stored = load([str(out)])
    assert sorted(d.doc for d in stored.documents) == sorted(d.doc for d in seeds.documents)
    assert expected_cells(stored) == pytest.approx(expected_cells(seeds))
    check_pivot_against_figures(stored, "org")
    with sqlite3.connect(out, isolation_level=None) as db:  # autocommit, as the extract writer holds it
        create_views(db)
        rows = db.execute("SELECT community, indicator, modality, value FROM indicator_values").fetchall()
    assert {(c, i, m): v for c, i, m, v in rows} == pytest.approx(expected_cells(seeds))
