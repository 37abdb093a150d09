"""Tests for reportminer.nlp.normalise: normalised text and the offset map back to the raw line."""
from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from reportminer.nlp.chinese_script import is_traditional
from reportminer.nlp.normalise import Line, normalise_line

HAN = "的建设努力社区卫生服务中心健康档案一二十國衛檔萬餘劑"
FULLWIDTH = "１２３０９，（）％﹪．：；ＡＢａｂ＋－"
ASCII = "0123456789.,%'`:;()abAB-"
SPACES = " \t\u3000\u00a0"
DEBRIS = ["的'建设", "的.努力", "卫`生", "建'设"]

# Pieces that the generated lines are made of: single characters of every kind, plus debris words.
piece = st.one_of(
    st.sampled_from(HAN),
    st.sampled_from(FULLWIDTH),
    st.sampled_from(ASCII),
    st.sampled_from(SPACES),
    st.sampled_from(DEBRIS),
    st.sampled_from(["1.5", "８６．５％", "一．", "（一）", "  ", "\t\t", "\u3000\u3000"]),
)
report_lines = st.lists(piece, max_size=40).map("".join)
# Any characters except line breaks (lines never contain them) and surrogates.
any_lines = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40)
lines = st.one_of(report_lines, any_lines)


def renormalised(line: Line, start: int, end: int, traditional: bool) -> str:
    return normalise_line(line.raw_slice(start, end), line.number, traditional).text


@st.composite
def line_and_span(draw):
    raw = draw(lines)
    traditional = draw(st.booleans())
    line = normalise_line(raw, 7, traditional)
    start = draw(st.integers(0, len(line.text)))
    end = draw(st.integers(start, len(line.text)))
    return line, start, end, traditional


# --------------------------------------------------------------------------- properties


@settings(max_examples=400)
@given(line_and_span())
@example((normalise_line("的'建设  工作", 1), 0, 3, False))
@example((normalise_line("８６．５％ 的.努力", 1), 0, 9, False))
def test_raw_slice_renormalises_to_the_span(case):
    line, start, end, traditional = case
    span = line.text[start:end]
    # Cut on non-space characters the raw slice normalises back to exactly the span …
    if span and not span[0].isspace() and not span[-1].isspace():
        assert renormalised(line, start, end, traditional) == span
    # … and in general to the span without the white space at its ends (which normalising strips).
    if all(not ch.isspace() or ch == " " for ch in line.text):
        assert renormalised(line, start, end, traditional) == span.strip(" ")


@settings(max_examples=400)
@given(lines, st.booleans())
def test_offsets_are_monotonic_and_in_range(raw, traditional):
    line = normalise_line(raw, 3, traditional)
    assert (line.number, line.raw) == (3, raw)
    offsets = [line.raw_offset(i) for i in range(len(line.text) + 1)]
    assert all(a < b for a, b in zip(offsets, offsets[1:]))
    assert all(0 <= o < len(raw) for o in offsets[:-1])
    assert offsets[-1] <= len(raw)
    if line.offsets is not None:
        assert len(line.offsets) == len(line.text) + 1
    # Every normalised character comes from the raw character the map points at.
    for i, ch in enumerate(line.text):
        source = raw[offsets[i]]
        if ch.isspace() or source.isspace():
            assert ch in (" ", source)
        else:
            assert normalise_line(source, 0, traditional).text == ch


@settings(max_examples=400)
@given(lines, st.booleans())
def test_identity_lines_have_no_offset_map(raw, traditional):
    line = normalise_line(raw, 1, traditional)
    assert (line.offsets is None) == (len(line.text) == len(raw))
    if line.offsets is None:
        for start in range(len(raw) + 1):
            assert line.raw_span(start, len(raw)) == (start, len(raw))


@settings(max_examples=200)
@given(st.lists(st.sampled_from(HAN + FULLWIDTH + ASCII.replace("'", "").replace("`", "").replace(".", "")),
                min_size=1, max_size=30).map("".join), st.booleans())
def test_without_spaces_or_debris_the_length_is_kept(raw, traditional):
    line = normalise_line(raw, 1, traditional)
    assert len(line.text) == len(raw)
    assert line.offsets is None


@given(st.lists(st.sampled_from(HAN), min_size=1, max_size=10).map("".join),
       st.lists(st.sampled_from(SPACES), min_size=2, max_size=6).map("".join),
       st.lists(st.sampled_from(HAN + "1a"), min_size=1, max_size=10).map("".join))
def test_a_run_of_white_space_becomes_one_space(left, spaces, right):
    line = normalise_line(f"{spaces}{left}{spaces}{right}{spaces}", 1)
    assert line.text == f"{left} {right}"
    assert line.raw_slice(0, len(line.text)) == f"{left}{spaces}{right}"


@given(st.sampled_from("的建设努力社区卫生"), st.sampled_from("'.`"), st.sampled_from("建设努力社区卫生"))
def test_debris_between_two_han_characters_is_dropped(left, debris, right):
    line = normalise_line(f"开展{left}{debris}{right}工作", 1)
    assert line.text == f"开展{left}{right}工作"
    assert line.raw_slice(2, 4) == f"{left}{debris}{right}"


@given(st.sampled_from(["1", "a", "A", " ", "%", "的", ""]), st.sampled_from("'.`"),
       st.sampled_from(["5", "b", "B", "%", "的", ""]))
def test_debris_is_kept_unless_both_neighbours_are_han(left, debris, right):
    assume(not ("\u4e00" <= left <= "\u9fff" and "\u4e00" <= right <= "\u9fff"))
    raw = f"{left}{debris}{right}"
    assert normalise_line(raw, 1).text == raw.strip()


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(("raw", "text"), [
    ("１２３，（）", "123,()"),
    ("ＡＢｃ：；＋－", "ABc:;+-"),
    ("完成率９８％", "完成率98%"),
    ("完成率98﹪", "完成率98%"),
    ("８６．５％", "86.5%"),
    ("１２０吨", "120吨"),
    ("增长1.5万元", "增长1.5万元"),
    ("完成了1.5", "完成了1.5"),
    ("社区的'建设", "社区的建设"),
    ("大家的.努力", "大家的努力"),
    ("卫`生", "卫生"),
    ("a  b\t\tc", "a b c"),
    ("\u3000\u3000全年共建档  1.8万余份\u3000", "全年共建档 1.8万余份"),
    ("  x  ", "x"),
    ("   ", ""),
    ("", ""),
])
def test_normalised_text(raw, text):
    line = normalise_line(raw, 5)
    assert line.text == text
    assert line.raw_slice(0, len(line.text)) == raw.strip(" \t\u3000")


@pytest.mark.parametrize("raw", ["一．社区基本情况", "一.社区基本情况", "三．拥军优抚工作", "十．其他工作"])
def test_the_dot_of_a_heading_marker_is_not_debris(raw):
    # corpora/samples/004 line 3: `一．社区基本情况` is a level-1 heading (ANNOTATION §2, expected/sections.jsonl).
    line = normalise_line(raw, 3)
    assert line.text[:2] in ("一.", "三.", "十.")
    assert len(line.text) == len(raw)


def test_offsets_of_a_debris_line():
    line = normalise_line("　　大家的.努力，８６．５％", 9)
    assert line.text == "大家的努力,86.5%"
    start = line.text.index("86.5%")
    assert line.raw_span(start, start + 5) == (9, 14)
    assert line.raw_slice(start, start + 5) == "８６．５％"
    assert line.raw_slice(2, 4) == "的.努"
    assert line.raw_span(3, 3) == (6, 6)  # an empty span sits at its raw position


def test_traditional_conversion_keeps_length():
    raw = "本中心全年共建立居民健康檔案一萬二千餘份，接種疫苗三千人次。"
    assert is_traditional(raw)
    line = normalise_line(raw, 1, traditional=True)
    assert line.text == "本中心全年共建立居民健康档案一万二千余份,接种疫苗三千人次。"
    assert len(line.text) == len(raw)
    assert line.offsets is None
    assert normalise_line(raw, 1).text.startswith("本中心全年共建立居民健康檔案")  # not converted unless asked


def test_line_is_frozen():
    line = normalise_line("的'建设", 1)
    with pytest.raises(AttributeError):
        line.text = "x"  # type: ignore[misc]
