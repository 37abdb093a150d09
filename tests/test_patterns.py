"""Word alternations as tries match exactly what the flat longest-first alternation matches."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from reportminer.nlp import classify as C
from reportminer.nlp.patterns import FilteredPatterns, required_chars, word_alternation
from reportminer.nlp.resources import data_table, data_words

REPO = Path(__file__).resolve().parents[1]
SAMPLE_LINES = [line for path in sorted((REPO / "corpora" / "samples").glob("*.txt"))
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
WORD_LISTS = {
    "idioms": data_words("idioms.txt"),
    "units": [row["word"] for row in data_table("units.tsv")],
    "keywords": [word for category in C.taxonomy() for word in category.keywords],
}


def flat(words) -> str:
    return "|".join(regex.escape(word) for word in sorted(set(words), key=len, reverse=True))


@pytest.mark.parametrize("name", sorted(WORD_LISTS))
def test_trie_matches_flat_alternation_on_sample_lines(name):
    words = WORD_LISTS[name]
    for wrap in ("{}", r"\d(?:{})(?:次|人|个)"):  # alone, and inside a pattern that needs backtracking
        trie, plain = regex.compile(wrap.format(word_alternation(words))), regex.compile(wrap.format(flat(words)))
        for line in SAMPLE_LINES:
            assert [m.span() for m in trie.finditer(line)] == [m.span() for m in plain.finditer(line)], line


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="健康档案教育人次", min_size=1, max_size=4), min_size=1, max_size=8),
       st.text(alphabet="健康档案教育人次0 ", max_size=30))
def test_trie_matches_flat_alternation_on_any_words(words, text):
    trie, plain = regex.compile(word_alternation(words)), regex.compile(flat(words))
    assert [m.span() for m in trie.finditer(text, overlapped=True)] == \
        [m.span() for m in plain.finditer(text, overlapped=True)]


def test_no_words_never_match():
    assert regex.search(word_alternation([]), "任何文字") is None
    assert regex.search(word_alternation([""]), "任何文字") is None


def naive_keyword_row(text: str) -> list[float]:
    return [float(sum(len(word) - 1 for word in category.keywords if word in text)) for category in C.taxonomy()]


def test_keyword_row_equals_substring_scores_on_sample_lines():
    for line in SAMPLE_LINES:
        text = C.normalise_text(line)
        assert C.keyword_row(text) == naive_keyword_row(text), line


def test_batch_features_equal_one_text_at_a_time():
    model = C.shipped_model()
    texts = SAMPLE_LINES[:300] + ["", "  ", "健康教育\n接种疫苗0剂次", "\n\n", "宣传 讲座", SAMPLE_LINES[0]]
    batch = model.transform(texts).toarray()
    single = np.vstack([model.transform([text]).toarray() for text in texts])
    assert np.allclose(batch, single, rtol=0, atol=1e-12)


def test_required_chars_reads_what_every_match_needs():
    assert required_chars(r"第\d+[个次]") == (frozenset("第"), frozenset("个次"))
    assert required_chars(r"(?:除四害|门前三包)") == (frozenset("除门"),)  # the first of each branch
    assert required_chars(r"\d+(?=岁)") == (frozenset("岁"),)  # a lookahead's characters are needed too
    assert required_chars(r"[^岁]\d") == ()  # a negated set needs nothing known
    assert required_chars(r"(?i)abc") == ()  # case folding: no sets
    assert required_chars(r"\p{Han}+号") == (frozenset("号"),)  # a property is an unknown set
    assert required_chars(r"第\d+号", common="第") == (frozenset("号"),)  # a common character filters little


def test_filtered_patterns_find_what_every_pattern_finds():
    from reportminer.extractors.figures import _excluded_patterns

    filtered = _excluded_patterns()
    patterns = filtered._patterns
    for line in SAMPLE_LINES:
        assert sorted(filtered.spans(line)) == sorted(span for p in patterns for span in
                                                      (m.span() for m in p.finditer(line))), line
    fallback = FilteredPatterns([regex.compile(r"\d+(?!号)"), regex.compile("门前三包")])
    assert fallback.spans("12号门前三包") == [(0, 1), (3, 7)]
