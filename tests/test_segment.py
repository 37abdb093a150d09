"""Tests for reportminer.nlp.segment: the domain dictionary, the two backends and the number bypass."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportminer.extractors.documents import split_documents
from reportminer.nlp.reading import SUPPORTED_SUFFIXES, read_path
from reportminer.nlp.resources import data_lines
from reportminer.nlp.segment import DICTIONARY, Segmenter, dictionary_entries, lint_dictionary

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpora" / "samples"
SEEDS = REPO.parent / "shared" / "seeds"
BACKENDS = ("rjieba", "jieba")


@pytest.fixture(scope="module")
def segmenters(tmp_path_factory):
    """One segmenter per backend; jieba's cache goes to a private cache folder, not the user's."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    try:
        return {name: Segmenter(name) for name in BACKENDS}
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


def boundaries(words: list[str]) -> set[int]:
    """Offsets where one word ends and the next begins."""
    out, position = set(), 0
    for word in words:
        position += len(word)
        out.add(position)
    return out


def body_lines(folder: Path) -> list[tuple[str, int, str]]:
    """(file, line number, normalised text) of every document body line of the report files in folder."""
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.name != "README.md":
            for document in split_documents(read_path(str(path))):
                out.extend((path.name, line.number, line.text) for line in document.lines)
    return out


# --------------------------------------------------------------------------- dictionary


def test_shipped_dictionary_lints_clean():
    lines = list(data_lines(DICTIONARY))
    entries, problems = lint_dictionary(lines)
    assert problems == []
    assert len(entries) == len(lines) > 500
    assert tuple(entries) == dictionary_entries()
    by_word = {entry.word: entry for entry in entries}
    assert by_word["建档率"].freq == 20000 and by_word["建档率"].tag == "n"
    assert by_word["人次"].tag == "q"


@pytest.mark.parametrize(("line", "complaint"), [
    ("健康:档案 100 n", "'健康:档案' has characters jieba never matches"),
    ("ＡＢ卫生 100 n", "'ＡＢ卫生' has characters jieba never matches"),
    ("健康 档案 100 n", "4 fields"),
    ("健康档案 100 n extra", "4 fields"),
    ("健康档案 1oo n", "'1oo' is neither a frequency nor a tag"),
    ("健康档案 100 Noun", "'Noun' is neither a frequency nor a tag"),
    ("健康档案 100 n²", "'n²' is neither a frequency nor a tag"),
])
def test_lint_reports_a_bad_line(line, complaint):
    entries, problems = lint_dictionary([(1, "卫生 100 n"), (7, line), (8, "建档率 20000 n")])
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{DICTIONARY}:7: ")
    assert complaint in problems[0]
    assert [e.word for e in entries][:1] == ["卫生"] and entries[-1].word == "建档率"


def test_lint_reports_a_duplicate_and_parses_good_lines():
    entries, problems = lint_dictionary([(3, "建档率 20000 n"), (4, "签约率"), (5, "巡诊 v"), (9, "建档率 100 n")])
    assert problems == [f"{DICTIONARY}:9: '建档率' listed twice"]
    assert [(e.word, e.freq, e.tag) for e in entries[:3]] == [("建档率", 20000, "n"), ("签约率", None, None),
                                                                ("巡诊", None, "v")]


@pytest.mark.xfail(strict=True, raises=ValueError, reason="nlp/segment.py: lint_dictionary takes any "
                   "str.isdigit() field for a frequency and int('²') raises")
def test_lint_reports_a_non_ascii_digit_frequency_instead_of_crashing():
    # `"²".isdigit()` is True but int("²") raises: a typo in the file must give a message, not a ValueError.
    entries, problems = lint_dictionary([(2, "健康档案 ² n")])
    assert len(problems) == 1 and problems[0].startswith(f"{DICTIONARY}:2: ")


@pytest.mark.xfail(strict=True, reason="nlp/segment.py: the number bypass cuts the digits out of 甲型H1N1流感 "
                   "before the tokenizer sees it, so that dictionary word never matches")
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_dictionary_word_is_one_token(segmenters, backend):
    segmenter = segmenters[backend]
    split = {entry.word: segmenter.cut(entry.word) for entry in dictionary_entries()
             if segmenter.cut(entry.word) != [entry.word]}
    assert split == {}  # a word the segmenter never returns whole is dead weight in the dictionary


# --------------------------------------------------------------------------- cutting

DOMAIN = [
    ("为辖区居民建立健康档案12000余份", "健康档案"),
    ("电子建档率达到85%", "建档率"),
    ("全年门诊服务3.2万人次", "人次"),
    ("接待群众咨询300人次以上", "人次"),
    ("组织开展除四害活动4次", "除四害"),
    ("沿街商户全面落实门前三包责任制", "门前三包"),
    ("社区卫生服务中心组织家庭医生团队入户随访", "社区卫生服务中心"),
    ("社区卫生服务中心组织家庭医生团队入户随访", "家庭医生"),
    ("家庭医生签约率达到35%", "家庭医生"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "word"), DOMAIN)
def test_domain_words_stay_whole(segmenters, backend, text, word):
    words = segmenters[backend].cut(text)
    start = text.index(word)
    inside = set(range(start + 1, start + len(word)))
    assert not boundaries(words) & inside, words


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "number"), [
    ("全年共建立居民健康档案1.8万余份", "1.8万"),
    ("接种各类疫苗21,000人次", "21,000"),
    ("规范化建档率95.5%", "95.5"),
    ("发放宣传资料1,100万份", "1,100万"),
    ("全县生产总值达到12.5亿元", "12.5亿"),
    ("清运垃圾120吨", "120"),
])
def test_numbers_stay_whole(segmenters, backend, text, number):
    words = segmenters[backend].cut(text)
    assert number in words, words
    assert "".join(words) == text


number_strings = st.builds(
    lambda whole, fraction, multiplier: whole + (f".{fraction}" if fraction else "") + multiplier,
    st.sampled_from(["3", "12", "120", "2916", "21,000", "1,100", "85"]),
    st.sampled_from(["", "5", "25", "08"]),
    st.sampled_from(["", "万", "亿"]),
)
han_text = st.text(st.sampled_from("社区全年共建立居民健康档案余份人次完成达到接种疫苗"), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(BACKENDS), han_text, number_strings, han_text)
def test_a_number_between_words_is_one_token(segmenters, backend, before, number, after):
    words = segmenters[backend].cut(before + number + after)
    assert number in words, words


line_text = st.text(
    st.one_of(
        st.sampled_from("的建设努力社区卫生服务中心健康档案建档率人次除四害门前三包家庭医生签约万亿余多个"),
        st.sampled_from("0123456789.,%，。、；：（）“”()- \u3000abcXYZ"),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(BACKENDS), line_text)
def test_words_concatenate_to_the_text(segmenters, backend, text):
    segmenter = segmenters[backend]
    assert "".join(segmenter.cut(text)) == text
    tagged = segmenter.tag(text)
    assert "".join(word for word, _ in tagged) == text
    assert all(isinstance(tag, str) and tag for _, tag in tagged)


@pytest.mark.parametrize("backend", BACKENDS)
def test_numbers_are_tagged_m(segmenters, backend):
    tagged = dict(segmenters[backend].tag("累计签约1.2万人，签约率达到35.6%"))
    assert tagged["1.2万"] == "m" and tagged["35.6"] == "m"
    assert tagged["签约率"] == "n"


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown segmentation backend"):
        Segmenter("pkuseg")


# --------------------------------------------------------------------------- backends agree


@pytest.mark.parametrize("folder", [SAMPLES, SEEDS], ids=["samples", "seeds"])
def test_backends_agree_on_report_lines(segmenters, folder, capsys):
    if not folder.is_dir():
        pytest.skip(f"{folder} is not there")
    lines = body_lines(folder)
    assert len(lines) > 100
    differing = [(name, number, text) for name, number, text in lines
                 if segmenters["rjieba"].cut(text) != segmenters["jieba"].cut(text)]
    rate = 1 - len(differing) / len(lines)
    with capsys.disabled():
        print(f"\n{folder.name}: rjieba and jieba agree on {len(lines) - len(differing)}/{len(lines)} lines "
              f"({rate:.2%})")
        for name, number, text in differing:
            print(f"  {name}:{number}\n    rjieba: {' / '.join(segmenters['rjieba'].cut(text))}"
                  f"\n    jieba:  {' / '.join(segmenters['jieba'].cut(text))}")
    assert rate >= 0.98


# --------------------------------------------------------------------------- jieba's cache


def test_jieba_cache_goes_to_the_user_cache_not_the_system_temp(tmp_path, monkeypatch):
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))  # what jieba's Tokenizer falls back to
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    segmenter = Segmenter("jieba")
    assert segmenter.cut("社区卫生服务中心") == ["社区卫生服务中心"]
    assert list(system_temp.iterdir()) == []
    tokenizer = segmenter.backend._tokenizer
    assert Path(tokenizer.tmp_dir) == tmp_path / "xdg" / "reportminer"
    assert [p.name for p in (tmp_path / "xdg" / "reportminer").iterdir() if p.name.endswith(".cache")]
