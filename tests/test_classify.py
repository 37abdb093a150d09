"""Tests for the activity classifier: masking, the exported numpy predictor, the shipped model, training, CLI."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reportminer.extractors import activities as activities_module
from reportminer.extractors.activities import find_activities
from reportminer.extractors.documents import split_documents
from reportminer.extractors.sections import outline
from reportminer.nlp import classify as C
from reportminer.nlp.reading import read_bytes
from reportminer.scripts.train import classify_command, train_command

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "corpora" / "training" / "activities.tsv"
MODEL_DIR = REPO / "nlp" / "data" / "model"
SAMPLE = REPO / "corpora" / "samples" / "001_guixiang_chc_summary_2023.txt"


@pytest.fixture(scope="module")
def training():
    return C.read_training(TRAINING)


@pytest.fixture(scope="module")
def fitted(training):
    texts, labels = training
    return C.ActivityClassifier(random_state=0).fit(texts, labels)


def activities_of(text: str):
    raw = read_bytes(text.encode("utf-8"), "memo.txt")
    out = []
    for document in split_documents(raw):
        _, paths = outline(document.id, document.file, document.lines)
        out.extend(find_activities(document, paths))
    return out


# -- masking -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("全年新建居民健康档案3126份", "全年新建居民健康档案0份"),
    ("累计建档2.56万余份", "累计建档0余份"),
    ("发放宣传资料1,500份，覆盖率95.5%", "发放宣传资料0份,覆盖率0%"),
    ("每季度开展三次讲座，培训十二名医生", "每季度开展0次讲座,培训0名医生"),
    ("接种２１０００剂次", "接种0剂次"),
])
def test_numbers_are_masked(text, expected):
    assert C.prepare(text) == expected


@pytest.mark.parametrize("text", ["落实门前三包责任制", "开展除四害活动", "一是加强领导", "统一思想", "两癌筛查"])
def test_names_and_enumerators_keep_their_numerals(text):
    assert C.mask_numbers(C.normalise_text(text)) == C.normalise_text(text)


@pytest.mark.parametrize("text, expected", [
    ("一、主要工作完成情况", "主要工作完成情况"),
    ("（二）加强培训。选派5名医生进修", "加强培训。选派0名医生进修"),
    ("2、做好重点人群管理", "做好重点人群管理"),
    ("二是广泛宣传，营造氛围", "广泛宣传,营造氛围"),
    ("1.5万人参加体检", "0人参加体检"),
])
def test_outline_markers_are_dropped(text, expected):
    assert C.prepare(text) == expected


# -- the exported predictor equals the scikit-learn pipeline ---------------------------------------------

def test_numpy_predictor_equals_sklearn_pipeline_on_training_set(fitted, training):
    texts, _ = training
    linear = fitted.to_linear()
    sk_proba, np_proba = fitted.predict_proba(texts), linear.predict_proba(texts)
    assert np.array_equal(fitted.predict(texts), linear.predict(texts))
    assert np.array_equal(sk_proba.argmax(axis=1), np_proba.argmax(axis=1))
    np.testing.assert_allclose(np_proba, sk_proba, rtol=0, atol=1e-9)
    np.testing.assert_allclose(linear.decision_function(texts), fitted.decision_function(texts), rtol=0, atol=1e-9)
    sk_features = fitted.pipeline_.named_steps["features"].transform(texts)
    assert abs(linear.transform(texts) - sk_features).max() < 1e-12


def test_saved_and_reloaded_predictor_is_unchanged(fitted, training, tmp_path):
    texts, _ = training
    linear = fitted.to_linear()
    linear.save(tmp_path)
    again = C.LinearActivityModel.load(tmp_path)
    assert again.classes == linear.classes
    assert np.array_equal(again.predict_proba(texts[:300]), linear.predict_proba(texts[:300]))


def test_estimator_follows_sklearn_conventions(fitted):
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    assert isinstance(fitted.pipeline_, Pipeline)
    assert clone(fitted).get_params() == fitted.get_params()
    assert not hasattr(clone(fitted), "pipeline_")
    assert list(fitted.classes_) == sorted(C.category_ids())


# -- the shipped model -----------------------------------------------------------------------------------

def test_shipped_model_loads_without_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the model must load without unpickling")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    model = C.LinearActivityModel.load(MODEL_DIR)
    assert set(model.classes) == set(C.category_ids())
    assert sorted(p.name for p in MODEL_DIR.iterdir()) == ["README.md", C.COEF_FILE, C.MODEL_JSON]
    array = np.load(io.BytesIO(gzip.decompress((MODEL_DIR / C.COEF_FILE).read_bytes())), allow_pickle=False)
    assert array.dtype == np.float64 and array.shape == (len(model.classes), model.coef.shape[1])
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) < 5_000_000


def test_shipped_model_was_built_from_the_current_training_set():
    model = C.shipped_model()
    assert model is not None
    meta = model.metadata
    assert meta["training_set"]["sha256"] == hashlib.sha256(TRAINING.read_bytes()).hexdigest(), \
        "activities.tsv changed: rebuild the model with `reportminer train`"
    assert meta["scikit_learn"] and meta["built"] and meta["cv"]["macro_f1"] > 0.8


def test_shipped_model_classifies_plain_sentences():
    model = C.shipped_model()
    got = model.classify(["为辖区适龄儿童接种乙肝疫苗1200剂次", "开展灭鼠活动，投放毒饵站30个",
                          "组织医务人员参加岗前培训", "现将全年工作总结如下："])
    assert [category for category, _ in got] == ["immunization", "vector_control", "training", "general"]


def test_explain_names_the_deciding_features():
    top = C.shipped_model().explain("为辖区适龄儿童接种乙肝疫苗1200剂次", top=5)
    assert len(top) == 5 and all(name[:2] in ("c=", "w=", "kw") for name, _ in top)
    assert any("接种" in name or name == "kw=immunization" for name, weight in top if weight > 0)


# -- fallbacks -------------------------------------------------------------------------------------------

def test_below_threshold_is_general():
    model = C.shipped_model()
    texts = ["全年接种疫苗3200剂次", "开展健康讲座12次"]
    assert all(category == "general" for category, _ in dataclasses.replace(model, threshold=1.01).classify(texts))
    never = dataclasses.replace(model, threshold=0.0)
    assert [category for category, _ in never.classify(texts)] == ["immunization", "health_education"]
    proba = np.array([[0.3, 0.3, 0.4], [0.1, 0.8, 0.1]])
    assert list(C.apply_threshold(["a", "b", "c"], proba, 0.5)) == ["general", "b"]


def test_unconfident_sentence_takes_its_heading_class():
    found = activities_of("测试社区2023年工作总结\n一、健康教育\n全年共开展12次，参加居民860人次。\n")
    body = [a for a in found if a.line == 3]
    assert body and body[0].category == "health_education"


@pytest.mark.parametrize("result, paragraph, headings, expected", [
    # confident activity: its own class
    (("training", 0.9, True, 0.0), ("management", 0.8), [], ("training", 0.9)),
    # unconfident: the paragraph's class, then the nearest confident heading's, each at half confidence
    (("training", 0.4, False, 0.1), ("management", 0.8), [], ("management", 0.4)),
    (("training", 0.4, False, 0.1), None, [("safety", 0.9, True, 0.0), ("tcm", 0.6, True, 0.0)], ("tcm", 0.3)),
    # a confident general heading is passed over: the next one up gives the class
    (("training", 0.4, False, 0.1), None, [("safety", 0.9, True, 0.0), ("general", 0.9, True, 0.9)],
     ("safety", 0.45)),
    # with no heading that is an activity, the sentence keeps its own top class down to FLOOR
    (("training", 0.4, False, 0.1), None, [("general", 0.9, True, 0.9)], ("training", 0.4)),
    # no context and below FLOOR, or general itself: general with the model's probability of general
    (("training", 0.2, False, 0.15), None, [], ("general", 0.15)),
    (("general", 0.9, True, 0.9), None, [], ("general", 0.9)),
])
def test_decide_context_and_floor(result, paragraph, headings, expected):
    results = [activities_module.Result(*h) for h in headings]
    assert activities_module._decide(activities_module.Result(*result), paragraph, results) == expected


def test_a_bare_structural_heading_stays_general():
    general_heading = activities_module.Result("general", 0.95, True, 0.95)
    topic = [activities_module.Result("training", 0.9, True, 0.0)]
    assert activities_module._decide(general_heading, None, topic, stands_alone=True) == ("general", 0.95)
    assert activities_module._decide(general_heading, None, topic) == ("training", 0.45)


def test_a_sign_off_under_a_topic_stays_general():
    found = activities_of("测试社区2023年工作总结\n一、职工培训工作\n全年组织业务培训12次。\n"
                          "以上报告，请审议。\n2024年1月8日\n")
    by_line = {a.line: a.category for a in found}
    assert by_line[3] == "training" and by_line[4] == by_line[5] == "general", by_line


def test_problems_under_a_topic_keep_the_topic():
    found = activities_of("测试社区2023年工作总结\n一、职工培训工作\n（一）取得的成绩\n（二）存在的困难\n"
                          "部分职工参加的积极性不高。\n二、健康教育工作\n全年举办健康知识讲座12次。\n")
    by_line = {a.line: a.category for a in found}
    assert by_line[3] == by_line[4] == "general" and by_line[5] == "training", by_line


def test_keyword_rules_stand_in_when_no_model_ships(monkeypatch):
    monkeypatch.setattr(activities_module, "shipped_model", lambda: None)
    found = activities_of("测试社区2023年工作总结\n全年接种疫苗3200剂次。\n")
    assert [a.category for a in found if a.line == 2] == ["immunization"]


# -- training and the commands ---------------------------------------------------------------------------

def test_training_is_deterministic(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runner = CliRunner()
    outputs = []
    for name in ("a", "b"):
        result = runner.invoke(train_command, ["--out", str(tmp_path / name), "--folds", "3", "--seed", "0"])
        assert result.exit_code == 0, result.output
        assert "macro-F1" in result.output and "top confusions" in result.output
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {C.MODEL_JSON, C.COEF_FILE}


def test_classify_command_prints_real_categories():
    result = CliRunner().invoke(classify_command, [str(SAMPLE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def category_of(fragment: str) -> str:
        return next(line for line in lines if fragment in line).split()[1]

    assert category_of("接种各类疫苗") == "immunization"
    assert category_of("新建居民健康档案") == "health_records"
    assert category_of("高血压患者") == "chronic_disease"
    assert category_of("针灸、推拿") == "tcm"


def test_classify_command_explains():
    result = CliRunner().invoke(classify_command, [str(SAMPLE), "--explain", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "kw=immunization" in result.output or "w=接种" in result.output
