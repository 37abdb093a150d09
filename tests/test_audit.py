"""Tests for reportminer.extractors.audit: every check with cases that must fire and cases that must not.

The example sentences are written for these tests. The seed pages (../shared/seeds) are only read at test time
to pin the findings the issue asks for; the tests skip when the folder is absent.
"""
from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import regex
from click.testing import CliRunner

from reportminer.extractors import audit as audit_module
from reportminer.extractors import signatures as signatures_module
from reportminer.extractors import spill as spill_module
from reportminer.extractors.audit import (
    CORPUS_CHECKS,
    FILE_CHECKS,
    Finding,
    audit,
    placeholders_in_line,
    profiles,
    share_kind,
)
from reportminer.extractors.documents import DocumentRecord
from reportminer.extractors.figures import Figure
from reportminer.extractors.pipeline import Extraction, extract_paths, extract_raw
from reportminer.extractors.stored import is_sqlite, read_sqlite
from reportminer.nlp.normalise import normalise_line
from reportminer.nlp.reading import read_bytes
from reportminer.nlp.resources import data_text
from reportminer.scripts.cli import main
from reportminer.scripts.generate_corpus import generate

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
SUMMARIES = SEEDS / "000_97be7ec8eb4dc11d.txt"
PLANS = SEEDS / "001_5829397a23760631.txt"
needs_seeds = pytest.mark.skipif(not SUMMARIES.exists() or not PLANS.exists(),
                                 reason="../shared/seeds is not there")


def extract_text(text: str, name: str = "t.txt") -> Extraction:
    return extract_raw(read_bytes(text.encode("utf-8"), name))


def findings_of(text: str, check: str | None = None, name: str = "t.txt") -> list[Finding]:
    found = audit([extract_text(text, name)])
    return [f for f in found if check is None or f.check == check]


def slots(raw: str) -> list[tuple[str, str, str]]:
    """(rule, severity, raw text of the span) of each placeholder on one raw line."""
    line = normalise_line(raw, 1)
    out = []
    for slot in placeholders_in_line(line):
        assert raw[slot.start:slot.end] == slot.text
        out.append((slot.rule, slot.severity, slot.text))
    return out


# --------------------------------------------------------------------------- data files


def test_mask_patterns_match_their_examples():
    rows, examples = [], []
    for line in data_text("audit_masks.tsv").splitlines():
        if line.startswith("#+ ") or line.startswith("#- "):
            examples.append(line)
        elif line and not line.startswith("#") and not line.startswith("name\t"):
            rule, severity, pattern, _ = line.split("\t")
            assert severity in ("info", "warning")
            compiled = regex.compile(pattern)
            for example in examples:
                if example.startswith("#+ "):
                    assert compiled.search(example[3:]), (rule, example)
            rows.append((rule, compiled, examples))
            examples = []
    assert rows
    negatives = [e[3:] for _, _, group in rows for e in group if e.startswith("#- ")]
    for rule, compiled, _ in rows:
        for negative in negatives:
            assert not compiled.search(negative), (rule, negative)


def test_thresholds_and_word_lists_load():
    params = audit_module.params()
    assert params["duplicate.permutations"] % params["duplicate.bands"] == 0
    words = audit_module._words()
    assert {"share_rate", "may_exceed", "growth", "slot_unit", "overlap", "part_stop"} <= set(words)
    assert audit_module._norms() and audit_module._ratios()


# --------------------------------------------------------------------------- 1. placeholder


def test_empty_percent_and_units_of_a_template_list_are_slots():
    found = slots("加强孕产妇和儿童系统管理，早孕建册人，产后访视人次，新生儿访视率%，系统管理率%；发放避孕药具数盒，"
                  "儿童保健咨询人次。")
    rules = [rule for rule, _, _ in found]
    assert rules.count("placeholder.empty_percent") == 2
    assert [text for rule, _, text in found if rule == "placeholder.unit_without_number"] == [
        "人", "人次", "盒", "人次"]
    assert {severity for _, severity, _ in found} == {"warning"}


def test_blanks_before_measure_words_are_slots():
    assert [t for _, _, t in slots("组织居民共40人，在 处栽种 棵树苗，共平整 亩地。")] == [" 处", " 棵", " 亩"]
    assert [t for _, _, t in slots("今年共签订“门前三包”责任书 份。")] == [" 份"]
    assert [t for _, _, t in slots("3、完成 户家庭医生签约，其中重点人群签约不少于300人；")] == [" 户"]
    assert [t for _, _, t in slots("电子健康档案建档率达到 %以上；")] == [" %"]


def test_spans_are_offsets_into_the_raw_line():
    raw = "　　新生儿访视率％，产后访视 人次。"
    found = slots(raw)
    assert [t for _, _, t in found] == ["％", " 人次"]


def test_masked_years_and_names_are_info():
    found = slots("20xx年，XX社区在__市卫生局和xxx的指导下，按照《规范》(20__年版)完成__年工作计划。")
    assert [(rule, severity, text) for rule, severity, text in found] == [
        ("masked_year", "info", "20xx年"), ("masked_name", "info", "XX社区"), ("masked_name", "info", "__市"),
        ("masked_name", "info", "xxx"), ("masked_year", "info", "20__年"), ("masked_year", "info", "__年")]


def test_no_slot_where_the_number_is_there_or_the_word_is_whole():
    assert slots("新生儿访视率98%，系统管理率达到95%以上。") == []
    assert slots("组织辖区人员参加培训，落实到责任单位，在今年三月份完成。") == []
    assert slots("**一、2022年工作回顾**") == []
    assert slots("地区生产总值增长率(%)") == []
    assert slots("市长 张国平") == []
    assert slots("资料见 http://example.org/%E5%8D%AB") == []
    # a clause ending in a measure word is a slot only on a line that has an unmistakable one
    assert slots("关爱辖区老年人，慰问困难户，走访病人。") == []
    found = slots("社区继续抓好“门前三包”工作，落实到责任单位，今年共签订责任书 份。")
    assert [t for _, _, t in found] == [" 份"]


def test_placeholders_become_findings_through_the_pipeline():
    text = "社区卫生服务站工作计划\n1、孕产妇早孕建册 人，新生儿访视率%；\n2、全年举办健康讲座12次。\n"
    found = findings_of(text, "placeholder")
    assert [(f.line, f.severity, f.rule) for f in found] == [
        (2, "warning", "placeholder.blank_before_unit"), (2, "warning", "placeholder.empty_percent")]
    assert all(f.records == () and f.start is not None for f in found)


# --------------------------------------------------------------------------- 2. rate_out_of_range


def test_share_above_100_is_an_error():
    found = findings_of("社区卫生服务中心工作总结\n全年居民健康档案建档率达到105%，儿童免疫规划疫苗接种率为99%。\n",
                        "rate_out_of_range")
    assert [(f.severity, f.line) for f in found] == [("error", 2)]
    assert "105%" in found[0].message and len(found[0].records) == 1


def test_growth_and_rates_that_may_pass_100_are_not_checked():
    text = ("社区卫生服务中心工作总结\n全年门诊人次较上年增长120%，年度任务完成率112%，病床使用率105%，"
            "家庭医生签约人数同比提高130%，建档率达到98%。\n")
    assert findings_of(text, "rate_out_of_range") == []
    assert share_kind("居民满意率") == "share"
    assert share_kind("任务完成率") is None
    assert share_kind("签约率", "较上年提高") is None


# --------------------------------------------------------------------------- 3. implausible_value


def test_satisfaction_of_single_digits_is_implausible():
    found = findings_of("社区卫生服务中心工作总结\n通过问卷调查，居民满意率达到9%。\n", "implausible_value")
    assert [(f.severity, f.rule) for f in found] == [("warning", "implausible.genre_norm")]


def test_usual_satisfaction_is_not_flagged():
    assert findings_of("社区卫生服务中心工作总结\n通过问卷调查，居民满意率达到96%。\n", "implausible_value") == []


def test_a_rate_far_below_the_rest_of_the_corpus_is_flagged():
    extractions = [extract_text(f"社区卫生服务站工作总结\n辖区儿童建证率达到{v}%。\n", f"d{i}.txt")
                   for i, v in enumerate([96, 97, 98, 95, 99, 96])]
    extractions.append(extract_text("社区卫生服务站工作总结\n辖区儿童建证率达到8%。\n", "low.txt"))
    found = [f for f in audit(extractions) if f.check == "implausible_value"]
    assert [(f.file, f.rule) for f in found] == [("low.txt", "implausible.corpus_median")]
    assert [f for f in audit(extractions[:-1]) if f.check == "implausible_value"] == []


def test_peer_values_of_any_rank_leave_out_the_documents_own():
    rng = random.Random(3)
    for _ in range(300):
        values = [float(rng.choice([5, 10, 50, 90, 95, 95.5, 99])) for _ in range(rng.randint(2, 12))]
        own = sorted(rng.sample(values, rng.randint(0, len(values) - 1)))
        peers = sorted(values)
        for value in own:
            peers.remove(value)
        assert [audit_module._select(sorted(values), own, rank) for rank in range(len(peers))] == peers


# --------------------------------------------------------------------------- 4. part_sum_mismatch


def test_parts_that_add_up_give_nothing():
    text = ("社区卫生服务中心工作总结\n辖区设社区卫生服务站12处，卫生技术人员86名，其中执业医师39名，注册护士47名。\n"
            "全年接种疫苗9870剂次，其中一类疫苗7650剂次。\n")
    assert findings_of(text, "part_sum_mismatch") == []


def test_parts_above_the_total_are_an_error():
    text = "社区卫生服务中心工作总结\n辖区卫生技术人员86名，其中执业医师39名，注册护士57名。\n"
    (finding,) = findings_of(text, "part_sum_mismatch")
    assert (finding.severity, finding.rule) == ("error", "part_sum.parts_exceed_total")
    assert "96" in finding.message and "86名" in finding.message and len(finding.records) == 3
    line = text.splitlines()[1]
    assert line[finding.start:finding.end].startswith("86名") and line[finding.start:finding.end].endswith("57名")


def test_a_split_that_does_not_add_up_is_an_error():
    (finding,) = findings_of("社区卫生服务站工作总结\n现有职工50人，分别为医生20人、护士20人。\n", "part_sum_mismatch")
    assert (finding.severity, finding.rule) == ("error", "part_sum.split_does_not_add_up")
    assert findings_of("社区卫生服务站工作总结\n现有职工40人，分别为医生20人、护士20人。\n", "part_sum_mismatch") == []


def test_parts_that_may_overlap_are_only_a_warning():
    text = ("社区卫生服务中心工作总结\n签约居民1000人，其中老年人600人、高血压患者500人。\n"
            "受理投诉500件，其中办结480件，调解成功300件。\n")
    found = findings_of(text, "part_sum_mismatch")
    assert [(f.line, f.severity) for f in found] == [(2, "warning"), (3, "warning")]


def test_nested_parts_and_other_units_are_not_summed():
    text = ("社区卫生服务中心工作总结\n共收治伤员30名，其中重症伤员25人(含危重伤员8人)。\n"
            "实施重点项目100个，总投资500亿元，其中续建项目60个、新建项目50个。\n"
            "新增企业300家，其中规模工业企业116家，新获批专精特新企业260家。\n")
    assert findings_of(text, "part_sum_mismatch") == []


# --------------------------------------------------------------------------- 5. rate_count_mismatch


def test_rate_that_matches_its_counts_gives_nothing():
    text = ("社区卫生服务中心工作总结\n辖区常住人口5.83万人。\n全年建立居民健康档案5.42万份，建档率93%。\n"
            "在册患者96人，规范管理91人，规范管理率94.8%。\n")
    assert findings_of(text, "rate_count_mismatch") == []


def test_rate_that_disagrees_with_its_counts_is_a_warning():
    text = ("社区卫生服务中心工作总结\n服务人口28650人。\n累计建立居民健康档案2.1万份，建档率达到89.4%。\n"
            "在册患者96人，规范管理81人，规范管理率94.8%。\n")
    found = findings_of(text, "rate_count_mismatch")
    assert [(f.line, f.severity) for f in found] == [(3, "warning"), (4, "warning")]
    assert "73.3%" in found[0].message and len(found[0].records) == 3


# --------------------------------------------------------------------------- 6. duplicate_claim


COPIED = "一年来共组织大扫除12次，清理卫生死角35处，清运垃圾60余吨，清除小广告800余张，投放鼠药150袋，全面改善了居住环境。"


def test_a_passage_copied_into_another_report_is_found():
    first = extract_text(f"柳岸社区2023年工作总结\n{COPIED}\n今年还重点做好了防汛工作。\n", "a.txt")
    second = extract_text(f"石门社区2023年工作总结\n今年我们加强了组织领导。\n{COPIED.replace('全面', '有效')}\n", "b.txt")
    found = [f for f in audit([first, second]) if f.check == "duplicate_claim"]
    assert [(f.file, f.line, f.severity) for f in found] == [("b.txt", 3, "warning")]
    assert "a#1 line 2" in found[0].message
    assert any(r.startswith("a#1:2:") for r in found[0].records)


def test_same_figures_in_new_words_are_a_copy():
    first = extract_text("柳岸社区工作总结\n全年举办讲座12场，发放资料3000份，义诊8次。\n", "a.txt")
    second = extract_text("石门社区工作总结\n我们开展健康讲座12场、义诊活动8次，印发宣传材料3000份。\n", "b.txt")
    found = [f for f in audit([first, second]) if f.check == "duplicate_claim"]
    assert [(f.file, f.rule) for f in found] == [("b.txt", "duplicate.identical_figure_set")]


def test_different_reports_are_not_duplicates():
    first = extract_text(f"柳岸社区2023年工作总结\n{COPIED}\n", "a.txt")
    second = extract_text("石门社区2023年工作总结\n全年为辖区65岁以上老年人免费体检1200人，建立健康档案800份，"
                          "开展慢病随访3600人次，举办健康讲座24场。\n", "b.txt")
    assert [f for f in audit([first, second]) if f.check == "duplicate_claim"] == []
    # the same passage twice in one report is not a claim repeated across reports
    same = extract_text(f"柳岸社区2023年工作总结\n{COPIED}\n{COPIED}\n", "c.txt")
    assert [f for f in audit([same]) if f.check == "duplicate_claim"] == []


def test_a_bucket_pairs_its_first_lines_with_the_rest():
    rng = np.random.default_rng(1)
    band = rng.integers(0, 3, size=(300, 2), dtype=np.uint32)
    docs = rng.integers(0, 30, size=300)
    buckets: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(band.tolist()):
        buckets[tuple(row)].append(index)
    expected = sorted({b * 300 + a for members in buckets.values() for i, a in enumerate(members[:4])
                       for b in members[i + 1:] if docs[a] != docs[b]})
    assert signatures_module.bucket_pairs(band, docs, 4).tolist() == expected


def _corpus_findings(extractions, spill=None) -> list[dict]:
    corpus = audit_module.CorpusAudit(spill)
    for extraction in extractions:
        corpus.add(extraction)
    return [f.to_dict() for f in corpus.finish()]


def test_corpus_findings_do_not_depend_on_how_the_audit_stores_its_state(tmp_path, monkeypatch):
    extractions = list(extract_paths([str(p) for p in generate(tmp_path / "corpus", 12, seed=5)], audit=False))
    expected = _corpus_findings(extractions)
    assert any(f["check"] == "duplicate_claim" for f in expected)
    monkeypatch.setattr(signatures_module, "BLOCK", 3)  # many blocks, the last one part full
    monkeypatch.setattr(signatures_module, "BATCH", 5)
    monkeypatch.setattr(signatures_module, "CHUNK", 7)  # pairs looked for 7 later lines at a time
    monkeypatch.setattr(spill_module, "BUFFER", 5)  # figure records and texts read back from the scratch file
    assert _corpus_findings(extractions) == expected
    spill = tmp_path / "spill"
    spill.mkdir()
    assert _corpus_findings(extractions, str(spill)) == expected
    assert list(spill.iterdir()) == []  # the scratch files have no name and are gone


def test_spilled_records_read_back_across_the_file_and_the_buffer(tmp_path, monkeypatch):
    monkeypatch.setattr(spill_module, "BUFFER", 10)
    records = spill_module.SpilledRecords("<2id", str(tmp_path))
    rows = [(i, -i, i / 3) for i in range(50)]
    assert [records.append(*row) for row in rows] == list(range(50))
    assert [records[i] for i in range(50)] == rows  # most from the file, the last ones from the buffer
    texts = spill_module.Spill(str(tmp_path))
    offsets = [texts.write(word.encode()) for word in ("接种", "疫苗", "21000人次")]
    assert texts.read(offsets[1], texts.size) == "疫苗21000人次".encode()  # a read that spans file and buffer
    records.close()
    texts.close()
    assert list(tmp_path.iterdir()) == []


def test_a_signature_store_spills_all_but_the_block_being_filled(tmp_path, monkeypatch):
    monkeypatch.setattr(signatures_module, "BLOCK", 4)
    monkeypatch.setattr(spill_module, "BUFFER", 64)  # a block (128 bytes here) goes to the file at once
    rows = np.arange(10 * 8, dtype=np.uint32).reshape(10, 8)
    store = signatures_module.SignatureStore(8, 2, str(tmp_path))
    for row in rows:
        store.append(row)
    assert store._blocks == 2 and store._fill == 2 and store._full._buffer == bytearray()  # both on disk
    assert store.band(1).tolist() == rows[:, 4:].tolist()
    store.close()
    with pytest.raises(ValueError):
        signatures_module.SignatureStore(8, 3)


def test_figure_set_keys_keep_values_and_units():
    values = {("12", "场"), ("3000", "份"), ("8", None), ("0.5", "")}
    assert audit_module._set_values(audit_module._set_key(values)) == sorted(values, key=str)


def test_a_corpus_audit_finishes_once():
    corpus = audit_module.CorpusAudit()
    corpus.add(extract_text(f"柳岸社区2023年工作总结\n{COPIED}\n", "a.txt"))
    corpus.finish()
    with pytest.raises(RuntimeError):
        corpus.finish()


# --------------------------------------------------------------------------- 7. target_missed


def _doc(doc: str, kind: str, year: int | None, org: str | None) -> DocumentRecord:
    return DocumentRecord(file=f"{doc}.txt", line=1, doc=doc, title=None, kind=kind, year=year, org=org,
                          place=None, encoding="utf-8", format="txt", body_lines=3)


def _fig(doc: str, line: int, text: str, value: float, unit: str, modality: str, metric: str,
         qualifier: str = "exact") -> Figure:
    return Figure(file=f"{doc}.txt", line=line, doc=doc, text=text, start=0, end=len(text), value=value,
                  value_max=None, unit=unit, dimension=None, qualifier=qualifier, modality=modality, metric=metric,
                  category=None, section="", rule="number+unit")


def _extraction(doc: DocumentRecord, *figures: Figure) -> Extraction:
    return Extraction(file=doc.file, documents=(doc,), figures=figures)


def test_a_summary_below_its_plan_is_a_warning():
    plan = _extraction(_doc("plan#1", "plan", 2023, "桂香社区卫生服务中心"),
                       _fig("plan#1", 3, "90%以上", 90, "%", "target", "居民健康档案建档率", "over"),
                       _fig("plan#1", 4, "不少于12场", 12, "场", "target", "健康知识讲座", "over"))
    summary = _extraction(_doc("summary#1", "summary", 2023, "桂香社区卫生服务中心"),
                          _fig("summary#1", 5, "85%", 85, "%", "achieved", "居民健康档案建档率"),
                          _fig("summary#1", 6, "14场", 14, "场", "achieved", "健康知识讲座"))
    found = [f for f in audit([plan, summary]) if f.check == "target_missed"]
    assert [(f.doc, f.line, f.severity) for f in found] == [("summary#1", 5, "warning")]
    assert set(found[0].records) == {"summary#1:5:0", "plan#1:3:0"}


def test_targets_of_another_org_or_year_are_not_compared():
    plan = _extraction(_doc("plan#1", "plan", 2023, "桂香社区卫生服务中心"),
                       _fig("plan#1", 3, "90%", 90, "%", "target", "建档率"))
    other_org = _extraction(_doc("s#1", "summary", 2023, "柳岸社区卫生服务中心"),
                            _fig("s#1", 5, "85%", 85, "%", "achieved", "建档率"))
    other_year = _extraction(_doc("s#2", "summary", 2022, "桂香社区卫生服务中心"),
                             _fig("s#2", 5, "85%", 85, "%", "achieved", "建档率"))
    met = _extraction(_doc("s#3", "summary", 2023, "桂香社区卫生服务中心"),
                      _fig("s#3", 5, "92%", 92, "%", "achieved", "建档率"))
    assert [f for f in audit([plan, other_org, other_year, met]) if f.check == "target_missed"] == []


def test_a_ceiling_target_is_missed_when_the_result_is_above_it():
    plan = _extraction(_doc("r#1", "report", 2023, "鹤湾县人民政府"),
                       _fig("r#1", 9, "3%以内", 3, "%", "target", "城镇登记失业率", "under"))
    review = _extraction(_doc("r#2", "report", 2024, "鹤湾县人民政府"),
                         _fig("r#2", 4, "3.6%", 3.6, "%", "achieved", "城镇登记失业率"))
    found = [f for f in audit([plan, review]) if f.check == "target_missed"]
    assert [(f.doc, f.line) for f in found] == [("r#2", 4)]


# --------------------------------------------------------------------------- 8. profiles


def test_profiles_count_figures_hedges_and_gaps():
    extraction = extract_text("社区卫生服务站工作总结\n全年举办讲座10场，发放资料2000余份，义诊7次，满意率约95%。\n"
                              "新生儿访视率%。\n")
    frame = profiles([extraction])
    assert isinstance(frame, pd.DataFrame) and len(frame) == 1
    row = frame.iloc[0]
    assert row["figures"] == 4
    assert row["round_share"] == 0.5 and row["over_share"] == 0.25 and row["about_share"] == 0.25
    assert row["placeholders"] == 1 and row["masked"] == 0


# --------------------------------------------------------------------------- pipeline, database, command


def test_extraction_carries_findings_and_writes_them(tmp_path):
    extraction = extract_text("社区卫生服务站工作计划\n1、新生儿访视率%；\n")
    assert "findings" in extraction.tables()
    assert all(f.check in FILE_CHECKS for f in extraction.findings)
    assert Finding.__dataclass_fields__ and extraction.findings[0].to_dict()["records"] == []


def test_extract_paths_puts_cross_document_findings_on_the_last_extraction(tmp_path):
    (tmp_path / "a.txt").write_text(f"柳岸社区2023年工作总结\n{COPIED}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"石门社区2023年工作总结\n{COPIED}\n", encoding="utf-8")
    plain = list(extract_paths([str(tmp_path)], audit=False))
    audited = list(extract_paths([str(tmp_path)]))
    assert len(plain) == len(audited) == 2
    assert [f.check for f in audited[-1].findings if f.check in CORPUS_CHECKS] == ["duplicate_claim"]
    assert not any(f.check in CORPUS_CHECKS for f in audited[0].findings)


def test_audit_reads_the_database_written_by_extract(tmp_path):
    (tmp_path / "a.txt").write_text(f"柳岸社区2023年工作总结\n{COPIED}\n新生儿访视率%。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(f"石门社区2023年工作总结\n{COPIED}\n", encoding="utf-8")
    db = tmp_path / "out.db"
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(db),
                                       "-q"])
    assert result.exit_code == 0, result.output
    assert is_sqlite(db) and not is_sqlite(tmp_path / "a.txt")
    with sqlite3.connect(db) as conn:
        checks = sorted(row[0] for row in conn.execute('SELECT "check" FROM findings'))
    assert checks == ["duplicate_claim", "placeholder"]
    direct = audit(extract_paths([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], audit=False))
    stored = audit(read_sqlite(db))
    assert [f.to_dict() for f in stored] == [f.to_dict() for f in direct]
    # an older database without the findings table: per-file findings are recomputed from the activities
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE findings")
    assert [f.to_dict() for f in audit(read_sqlite(db))] == [f.to_dict() for f in direct]


def test_audit_command_prints_findings_by_document(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("社区卫生服务站工作计划\n1、孕产妇早孕建册 人，新生儿访视率%；\n2、居民健康档案建档率达到105%。\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["audit", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "rate_out_of_range" in line)
    assert first < next(i for i, line in enumerate(lines) if "placeholder" in line)  # most severe first
    assert "建档率达到【105%】" in result.stdout and "新生儿访视率【%】" in result.stdout
    result = CliRunner().invoke(main, ["audit", str(path), "--format", "jsonl", "--min-severity", "error"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["check"] for row in rows] == ["rate_out_of_range"]
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(main, ["audit", str(path), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("file,line,doc,check,severity")
    result = CliRunner().invoke(main, ["audit", str(path), "--profiles", "--format", "jsonl"])
    assert json.loads(result.stdout.splitlines()[0])["placeholders"] == 2


# --------------------------------------------------------------------------- the seeds


@pytest.fixture(scope="module")
def seed_findings() -> list[Finding]:
    return audit(extract_paths([str(SUMMARIES), str(PLANS)], audit=False))


@needs_seeds
def test_seeds_copied_report_is_a_duplicate(seed_findings):
    copies = [f for f in seed_findings if f.check == "duplicate_claim" and f.doc == "000_97be7ec8eb4dc11d#12"]
    assert len([f for f in copies if f.severity == "warning"]) >= 5
    assert all("000_97be7ec8eb4dc11d#6" in f.message for f in copies)


@needs_seeds
def test_seeds_lost_digit_of_satisfaction_is_flagged(seed_findings):
    found = [f for f in seed_findings if f.check == "implausible_value"]
    assert any(f.line == 309 and "满意率" in f.message for f in found)


@needs_seeds
def test_seeds_every_empty_slot_is_a_placeholder(seed_findings):
    raw = SUMMARIES.read_text(encoding="utf-8").splitlines()
    slots_149 = [raw[148][f.start:f.end] for f in seed_findings
                 if f.check == "placeholder" and f.line == 149 and f.severity == "warning"]
    assert slots_149 == ["人", "人次", "人次", "人次", "%", "人", "%", "人", "人", "%", "人次", "盒", "人次"]
    slots_181 = [raw[180][f.start:f.end] for f in seed_findings if f.check == "placeholder" and f.line == 181]
    assert slots_181 == [" 处", " 株", " 亩"]
    assert [raw[190][f.start:f.end] for f in seed_findings if f.check == "placeholder" and f.line == 191] == [" 份"]


@needs_seeds
def test_seeds_staff_that_add_up_give_no_finding(seed_findings):
    assert not [f for f in seed_findings if f.line == 207 and f.check == "part_sum_mismatch"]
    assert not [f for f in seed_findings if f.severity == "error"]


@needs_seeds
def test_seeds_masked_names_and_years_of_the_plans(seed_findings):
    raw = PLANS.read_text(encoding="utf-8").splitlines()
    masked = {(f.line, raw[f.line - 1][f.start:f.end]) for f in seed_findings
              if f.file == str(PLANS) and f.check == "placeholder"}
    assert {(81, "__市"), (129, "20__年"), (137, "20__年"), (99, "__年")} <= masked
