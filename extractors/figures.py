"""Numeric claims as records: value, unit, qualifier, range, modality, metric and category (ANNOTATION §3).

One generic extractor driven by data (nlp/data): units.tsv, qualifiers.tsv, idioms.txt, non_figures.tsv,
modality_cues.tsv, metric_trim.tsv. A candidate is a number (Arabic, Chinese, mixed, 百分之…, 上百) with
its multiplier, qualifiers and unit; what is not a figure (dates, ordinals, ages, names with numerals,
bare numbers) is dropped; spans are reported as offsets into the raw line.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import regex

from ..nlp.chinese_script import to_simplified
from ..nlp.classify import FALLBACK
from ..nlp.normalise import Line
from ..nlp.numerals import CHINESE_NUMERAL_CHARS, DIGITS, NumeralError, as_number, parse_number
from ..nlp.patterns import FilteredPatterns, word_alternation
from ..nlp.resources import data_table, data_words
from ..nlp.segment import default_segmenter
from .records import Record
from .sections import path_of

_CN = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?(?:[千百](?![元米克斤瓦]))?(?:[万亿](?:\d{1,4}(?!\d)(?:[千百](?![元米克斤瓦]))?)?)?"
_NUMBER = rf"(?:百分之[{_CN}\d.点]+|上[百千万]|(?<![每上下前后])半(?=年时间|年多|个月|个小时|天|小时)|(?<=为期|历时|持续|长达|用了|用时|经过)半(?=年)|{_ARABIC}|[{_CN}]+(?:点[{_CN}]+)?)"
_DASH_CHARS = "-—–~～至到"
_DASH = rf"[{_DASH_CHARS}]{{1,2}}"
# Event counts that a lone 一 may carry: `每月一次`, `至少一场` (一个, 一种, 一批 are articles).
_ONE_UNITS = frozenset("次场期轮回遍趟名位人台辆套")
_CLAUSE_BREAK = regex.compile(r"[,，。;；:：!！?？()（）]")
_SENTENCE_BREAK = regex.compile(r"[。;；!！?？]")
_LAST_CLAUSE_BREAK = regex.compile(r"(?r)[,，。;；:：!！?？()（）]")  # searched from the end
_LAST_SENTENCE_BREAK = regex.compile(r"(?r)[。;；!！?？]")
_NUMERAL_ONLY = regex.compile(rf"[{_CN}]+")
# Two neighbouring digits make an approximate span: 两三个 (2–3), 二三十 (20–30).
_APPROXIMATE = regex.compile(r"([一二两三四五六七八九])([一二两三四五六七八九])([十百千万]?)")
_SCALED = regex.compile(r"\d[万亿]")
_MULTIPLIERS = {"万": Decimal(10) ** 4, "萬": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "億": Decimal(10) ** 8}
_NUMERAL_CHARS = "0123456789" + CHINESE_NUMERAL_CHARS  # in nearly every line searched for figures


@dataclass(frozen=True, slots=True)
class Figure(Record):
    """One numeric claim of a report, traceable to its raw line and span."""

    file: str
    line: int
    doc: str
    text: str
    start: int
    end: int
    value: int | float
    value_max: int | float | None
    unit: str | None
    dimension: str | None
    qualifier: str
    modality: str
    metric: str | None
    category: str | None
    section: str
    rule: str


@dataclass(frozen=True, slots=True)
class _Unit:
    canonical: str | None
    dimension: str
    scale: int
    ambiguous: bool


@functools.cache
def _units() -> dict[str, _Unit]:
    """Measure words and units by their written form (data: units.tsv)."""
    return {row["word"]: _Unit(None if row["canonical"] == "-" else row["canonical"], row["dimension"],
                               int(row["scale"]), row["ambiguous"] == "1")
            for row in data_table("units.tsv")}


@functools.cache
def _qualifiers() -> dict[str, dict[str, str]]:
    """Qualifier words by side (before, infix, after) → qualifier (data: qualifiers.tsv)."""
    sides: dict[str, dict[str, str]] = {"before": {}, "infix": {}, "after": {}, "separated": {}}
    for row in data_table("qualifiers.tsv"):
        sides[row["side"]][row["word"]] = row["qualifier"]
    return sides


@functools.cache
def _qualifier_guards() -> dict[str, str]:
    """Characters that make a qualifier word part of another word when they stand before it (签约, 最近)."""
    return {row["word"]: row["not_after"] for row in data_table("qualifiers.tsv") if row.get("not_after")}


class _Groups(NamedTuple):
    """The named groups of a candidate, in the pattern's order: read at once with ``Match.groups``, as the
    regex module is slow to look a group up by name."""

    before: str | None
    num: str
    infix: str | None
    unit1: str | None
    dash: str | None
    num2: str | None
    infix2: str | None
    unit: str | None
    infix3: str | None
    half: str | None
    unit_tail: str | None
    half_after: str | None
    after: str | None


_NUM_GROUP = _Groups._fields.index("num") + 1  # the number of the `num` group (groups count from 1)


@functools.cache
def _candidate_pattern() -> regex.Pattern:
    """Number, optional range end, infix qualifier, multiplier and unit, with qualifiers on either side."""
    qualifiers = _qualifiers()
    guards = _qualifier_guards()
    before_words = sorted((w for w in qualifiers["before"] if not w.startswith("上")), key=len, reverse=True)
    before = "|".join((f"(?<![{regex.escape(guards[w])}])" if guards.get(w) else "") + regex.escape(w)
                      for w in before_words)
    infix = word_alternation(qualifiers["infix"])
    after = word_alternation(qualifiers["after"])
    units = word_alternation(_units())
    # A range needs a dash within reach: looking for one first spares trying every unit after every number.
    reach = max(map(len, qualifiers["infix"])) + max(map(len, _units())) + 1
    dash_ahead = rf"(?=[^{_DASH_CHARS}]{{0,{reach}}}[{_DASH_CHARS}])"
    pattern = regex.compile(
        rf"{_optional('before', before, before_words)}\s?"
        rf"(?P<num>{_NUMBER})"
        rf"(?:{dash_ahead}(?P<infix>{infix})?(?P<unit1>{units})?\s?(?P<dash>{_DASH})\s?(?P<num2>{_NUMBER}))?"
        rf"(?P<infix2>{infix})?"
        rf"{_optional('unit', units, _units())}"
        rf"(?:(?:(?P<infix3>{infix})|(?P<half>半))(?P<unit_tail>月|小时|星期|季度|百分点))?"
        rf"(?:(?<=年|天|小时|月|周)(?P<half_after>半)(?![年月天日]))?"
        rf"(?P<after>{after})?"
    )
    if tuple(pattern.groupindex) != _Groups._fields:
        raise ValueError("the candidate pattern's groups and _Groups differ")
    return pattern


def _optional(name: str, body: str, words: Iterable[str]) -> str:
    """``(?P<name>body)?`` for an alternation of ``words``, tried only where one of their first characters
    stands: the regex engine tries a long alternation branch by branch, a character set at once."""
    firsts = regex.escape("".join(sorted({word[0] for word in words})))
    return rf"(?:(?=[{firsts}])(?P<{name}>{body}))?"


@functools.cache
def _excluded_patterns() -> FilteredPatterns:
    """Names and slogans with numerals (idioms.txt) and spans that are never figures (non_figures.tsv).

    Kept as separate patterns: one alternation of them all defeats the regex engine's literal
    optimisations and runs several times slower than the patterns one by one. The idioms, plain words,
    go to the standard engine, which tests the first characters of hundreds of words in one step.
    """
    idioms = re.compile(word_alternation(data_words("idioms.txt")))
    return FilteredPatterns([idioms] + [regex.compile(row["pattern"]) for row in data_table("non_figures.tsv")],
                            _NUMERAL_CHARS)


def _excluded_spans(text: str) -> list[tuple[int, int]]:
    """Every span of a line that no figure may overlap."""
    return _excluded_patterns().spans(text)


@functools.cache
def _cues() -> dict[tuple[str, str], regex.Pattern]:
    """Modality cue patterns by (where, modality) (data: modality_cues.tsv); metric cues match at the end."""
    out: dict[tuple[str, str], list[str]] = {}
    for row in data_table("modality_cues.tsv"):
        out.setdefault((row["where"], row["modality"]), []).append(f'(?:{row["pattern"]})')
    return {key: regex.compile("|".join(patterns) + ("$" if key[0] == "metric" else ""))
            for key, patterns in out.items()}


_YEAR_LEAD = r"(?:(?:19|20)?[\dxX×_]{2}\s*年(?:度)?)"  # a year (or a masked one) opening a metric: 20xx年度门诊人次


@functools.cache
def _trim_words() -> dict[str, list[str]]:
    """Lead words, light verbs, words of change and linking tails of a metric (data: metric_trim.tsv)."""
    words: dict[str, list[str]] = {}
    for row in data_table("metric_trim.tsv"):
        words.setdefault(row["where"], []).append(row["word"])
    return words


@functools.cache
def _kept_words() -> frozenset[str]:
    """Two-character words a tail trim must not split (``keep`` rows of metric_trim.tsv)."""
    return frozenset(_trim_words().get("keep", ()))


@functools.cache
def _trim_chars() -> dict[str, str]:
    """Every character of the trim words of each kind: a match of their words lies in a run of these."""
    return {where: "".join(sorted(set("".join(words)))) for where, words in _trim_words().items()}


@functools.cache
def _trim_patterns() -> dict[str, regex.Pattern]:
    """Patterns that strip lead words, light verbs and linking tails off a metric (data: metric_trim.tsv)."""
    words = _trim_words()
    return {
        "lead": regex.compile(rf"^(?:{_YEAR_LEAD}|{word_alternation(words['lead'])})+"),
        "verb": regex.compile(rf"^(?:{word_alternation(words['verb'])})(?=\p{{Han}}{{2}})"),
        "verb_word": regex.compile(word_alternation(words["verb"])),
        "change": regex.compile(rf"(?:{word_alternation(words['change'])})+$"),
        "tail": regex.compile(rf"(?:{word_alternation(words['tail'])})+$"),
    }


def _read(number: str) -> tuple[Decimal, Decimal | None, str | None]:
    """Read a number token: (value, upper end of an approximate span, implied qualifier)."""
    if number == "半":
        return Decimal("0.5"), None, None
    if number.startswith("百分之"):
        number = number[3:]
    if number.startswith("上") and len(number) == 2:
        return parse_number(number[1]), None, "over"
    if "点" in number:
        whole, _, fraction = number.partition("点")
        digits = "".join(str(DIGITS[ch]) for ch in fraction)
        return parse_number(whole) + Decimal("0." + digits), None, None
    approx = _APPROXIMATE.fullmatch(number)
    if approx and DIGITS[approx.group(1)] < DIGITS[approx.group(2)]:
        scale = parse_number(approx.group(3)) if approx.group(3) else Decimal(1)
        return DIGITS[approx.group(1)] * scale, DIGITS[approx.group(2)] * scale, None
    return parse_number(number), None, None


def _shared_multiplier(low: str, high: str) -> Decimal:
    """`2—2.5万`: a 万 or 亿 written after the upper end of a range only applies to the lower end too (when the
    lower number is below the upper one as written; `5000—1万` is 5000 to 10000)."""
    multiplier = _MULTIPLIERS.get(high[-1:])
    if multiplier is None or low[-1:] in _MULTIPLIERS:
        return Decimal(1)
    try:
        below = parse_number(low) < parse_number(high[:-1])
    except (NumeralError, KeyError, ArithmeticError):
        return Decimal(1)
    return multiplier if below else Decimal(1)


def _acceptable(match: regex.Match, groups: _Groups, text: str, unit: _Unit | None) -> bool:
    """Drop candidates that are not figures: bare numbers, lone 一 with an article-like word, dates."""
    number = groups.num
    percent = number.startswith("百分之")
    if unit is None and not percent:
        return bool(_SCALED.search(number))
    if unit is not None and unit.dimension == "other" and unit.canonical in ("岁", "周岁"):
        return False
    chinese = bool(_NUMERAL_ONLY.fullmatch(number)) or number == "半"
    if groups.half or groups.half_after:
        return True  # 一个半月, 一年半: a duration
    if chinese and number in ("一", "壹") and not groups.before:
        following = text[match.end():match.end() + 1]
        return (groups.unit or "")[:1] in _ONE_UNITS and not (following and following in "性些")
    if chinese and len(number) == 1 and number in "百千万亿":
        return bool(groups.before or groups.infix2)
    if groups.unit in ("年", "月", "日", "天", "周"):
        return _duration_year(match, groups, text)
    return True


def _qualifies_a_group(match: regex.Match, groups: _Groups, text: str, unit: _Unit | None) -> bool:
    """`5000万元以上产业项目`, `50万元以上的村`: a threshold of a measure (money, area, weight …) written
    before a noun is an attribute of the group counted after it, like the age in `60岁以上老人`. A count
    (`培育10个以上产业集群`) or a share (`90%以上居民`) still is a figure. A threshold word before the number
    (`收入超过50万元的村3个`) marks a class only with a 的 and a count of that class after it."""
    leading = groups.before in _LEADING_THRESHOLD_WORDS
    if not (groups.after in _THRESHOLD_WORDS or leading) or unit is None or unit.dimension not in _MEASURE_DIMENSIONS:
        return False
    following = text[match.end():match.end() + _GROUP_LOOKAHEAD]
    attributive = following.startswith("的")  # 5万元以内的救助事项: a 的 makes even a verbal noun the head
    if leading and not (attributive and _COUNT.search(text, match.end(), match.end() + _GROUP_LOOKAHEAD + 2)):
        return False
    following = following[attributive:]
    if not following or not _HAN.match(following):
        return False
    return _metric_tokens(following)[0][1] in (_COUNTED_TAGS | {"vn"} if attributive else _COUNTED_TAGS)


def _duration_year(match: regex.Match, groups: _Groups, text: str) -> bool:
    """`连续2年`, `3天` are durations; a four-digit year is a date (already excluded)."""
    value = groups.num
    return (len(value) <= 3 or not value.isdigit() and len(value) <= 3) and not text[match.end():match.end() + 1].isdigit()


SEPARATED_WINDOW = 10  # characters before a number searched for a separated qualifier (至少面对面随访1次)


def _qualifier(match: regex.Match, groups: _Groups, implied: str | None, text: str) -> str:
    """exact / about / over / under from the words touching the number, then a cue just before it."""
    sides = _qualifiers()
    for word, side in ((groups.before, "before"), (groups.after, "after"), (groups.infix, "infix"),
                       (groups.infix2, "infix"), (groups.infix3, "infix")):
        if word:
            return sides[side][word]
    if implied:
        return implied
    window = text[max(0, match.start() - SEPARATED_WINDOW):match.start()]
    for word, qualifier in _qualifiers()["separated"].items():
        if word in window and not _CLAUSE_BREAK.search(window[window.rfind(word):]):
            return qualifier
    return "exact"


def _clause_before(text: str, start: int, floor: int) -> str:
    """The clause text before a figure, from the last clause break (or the previous figure) to it."""
    last = _LAST_CLAUSE_BREAK.search(text, floor, start)
    return text[(last.end() if last else floor):start]


_NOUNISH = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nt", "nz", "nw", "vn", "an", "b", "j", "l", "s", "x", "eng"})
_MAY_COUNT = regex.compile(rf"[\d{regex.escape(CHINESE_NUMERAL_CHARS)}上半]")  # a line without these holds no figure
_THRESHOLD_WORDS = frozenset({"以上", "以下", "以内"})
_LEADING_THRESHOLD_WORDS = frozenset({"超过", "不足", "低于", "高于", "不到"})
_COUNT = regex.compile(r"[\d一二两三四五六七八九十]")  # a number: the class is counted after its threshold
_MEASURE_DIMENSIONS = frozenset({"money", "area", "weight", "length", "volume", "concentration"})
_GROUP_LOOKAHEAD = 6  # characters after a threshold read to tell whether a noun follows it
_ADJACENT = " 、和及与"  # between two figures of one thing: 47户82人, 5个和3个
_COUNTED_TAGS = (_NOUNISH - {"vn"}) | {"zg"}  # the first word after a measure word that makes it the counted noun
_HAN = regex.compile(r"\p{Han}")
_JOINERS = frozenset({"、", "和", "及", "与", "或", "\"", "“", "”", "《", "》", "\""})
_DETERMINERS = frozenset({"各类", "各种", "各项", "各级", "相关", "有关"})


def _metric_tokens(phrase: str) -> tuple[tuple[str, str], ...]:
    """Words and tags of a phrase (jieba with the domain dictionary)."""
    return tuple(default_segmenter().tag(phrase)) if phrase else ()


def _noun_phrase_before(tokens: tuple[tuple[str, str], ...], light_verbs: regex.Pattern) -> str:
    """Walk back from the number over nouns (and joined nouns), then one content verb: `清理渣土`, `卡、证符合率`."""
    taken: list[str] = []
    index = len(tokens) - 1
    while index >= 0:
        word, tag = tokens[index]
        if tag in _NOUNISH or word in _DETERMINERS or (word in _JOINERS and taken and index > 0 and tokens[index - 1][1] in _NOUNISH | {"x"}):
            taken.append(word)
            index -= 1
            continue
        if tag.startswith("v") and taken and not light_verbs.fullmatch(word):
            taken.append(word)
        break
    return "".join(reversed(taken)).strip("、“”\"《》 ") if taken else ""


def _without_closing_preposition(tokens: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Words of a phrase without a closing preposition of time or place after a noun (`由年初`, `从去年`,
    `比上年`): the figure after it is a level of the noun before it."""
    for index in range(len(tokens) - 1, 0, -1):
        word, tag = tokens[index]
        if tag == "p":
            return tokens[:index] if index < len(tokens) - 1 and tokens[index - 1][1] in _NOUNISH else tokens
        if tag not in _ADVERBIAL_TAGS:
            break
    return tokens


def _noun_phrase_after(text: str, end: int) -> tuple[str, str | None]:
    """The nouns right after a figure and the tag of their first word: `4所公立医院对…` → 公立医院,
    `100余人次参与` → 参与."""
    stop = _CLAUSE_BREAK.search(text, end)
    tokens = _metric_tokens(text[end:stop.start() if stop else len(text)])
    while tokens and (tokens[0][1] in ("uj", "m", "q", "f") or tokens[0][0] in "的之"):
        tokens = tokens[1:]
    taken: list[tuple[str, str]] = []
    for word, tag in tokens:
        if word[0] in _PREPOSITION_CHARS or not _HAN.match(word):
            break
        if tag in _NOUNISH or tag == "zg":
            taken.append((word, tag))
        elif not taken and tag.startswith("v"):
            taken.append((word, tag))
            if len(tokens) > 1 and tokens[1][1] in _NOUNISH:
                continue
            break
        else:
            break
    return "".join(word for word, _ in taken), taken[0][1] if taken else None


def _last_words(tokens: tuple[tuple[str, str], ...], size: int) -> str:
    """The last whole words of a phrase that fit in ``size`` characters (at least the last word)."""
    taken = ""
    for word, _ in reversed(tokens):
        if taken and len(word) + len(taken) > size:
            break
        taken = word + taken
    return taken


def _trimmed_clause(text: str, match: regex.Match, floor: int) -> str:
    """The clause before the figure without lead adverbials, light verbs and linking tails."""
    return _trimmed_clause_text(_clause_before(text, match.start(), floor).strip())


def _trimmed_clause_text(phrase: str) -> str:
    """A phrase without lead adverbials, light verbs and linking tails (applied until nothing changes)."""
    trims = _trim_patterns()
    previous = None
    while phrase != previous:
        previous = phrase
        tail = trims["tail"].search(phrase, _end_run(phrase, "tail"))
        if tail and phrase[tail.start() - 1:tail.start() + 1] in _kept_words():  # not 签约 → 签
            tail = trims["tail"].search(phrase, tail.start() + 1)  # 平均保持在 → 平均
        if tail:
            phrase = phrase[:tail.start()]
        phrase = trims["lead"].sub("", phrase)
        if phrase and phrase[0] in _trim_chars()["verb"]:
            verb = trims["verb"].match(phrase)
            if verb and _word_ends_at(phrase, verb.end()):  # 办黑板报 → 黑板报, but 办理结婚登记 stays
                phrase = phrase[verb.end():]
        phrase = phrase.strip(" ,，、")
    return phrase


def _word_ends_at(phrase: str, index: int) -> bool:
    """Whether jieba's words of the phrase have a boundary at ``index`` (a trim must not split a word)."""
    length = 0
    for word, _ in _metric_tokens(phrase[:index + 8]):  # the words up to a little past the boundary
        length += len(word)
        if length >= index:
            return length == index
    return True


def _end_run(phrase: str, where: str) -> int:
    """Where the run of characters of ``where`` words that ends a phrase starts: a pattern of those words
    anchored at the end (``change``, ``tail``) can only match from there."""
    return len(phrase.rstrip(_trim_chars()[where]))


# A word opening with one of these starts a new phrase even when jieba tags it a noun (被区 in 被区…命名).
_PREPOSITION_CHARS = frozenset("被对向在由为把将给从")
_ADVERBIAL_TAGS = frozenset({"t", "d", "f", "s", "m", "q", "r", "p", "c", "ad"})


def _metric(text: str, match: regex.Match, floor: int) -> str | None:
    """The shortest phrase of the clause that names what is counted.

    After the number when a noun follows the measure word directly (a classifier counts the noun after
    it: `8个社区卫生服务站`, `动用3台车`) or when the clause before holds only a verb or an adverbial
    (`每月一次定期来到社区`); else the noun phrase before the number (`接种各类疫苗21000人次`), a long
    phrase cut back to its last noun phrase with jieba's tags (`我站管理的范围内孕妇总数` → 孕妇总数).
    """
    trims = _trim_patterns()
    phrase = _trimmed_clause(text, match, floor)
    change = trims["change"].search(phrase, _end_run(phrase, "change"))
    if change and change.start() >= 2:
        phrase = _trimmed_clause_text(phrase[:change.start()])  # 地区生产总值增长6.5%: GDP is what changed
    tokens = _metric_tokens(phrase)
    kept = _without_closing_preposition(tokens)
    if len(kept) < len(tokens):  # 规范管理率由年初的62% → 规范管理率
        tokens, phrase = kept, "".join(word for word, _ in kept)
    after, after_tag = _noun_phrase_after(text, match.end())
    after_is_noun = bool(after) and after_tag in _COUNTED_TAGS and _HAN.match(text, match.end())
    if after_is_noun:
        return after
    weak = not tokens or tokens[-1][1] in _ADVERBIAL_TAGS or (tokens[-1][1].startswith("v") and tokens[-1][1] != "vn")
    if weak and after:
        return after
    if len(phrase) > 8:
        phrase = _noun_phrase_before(tokens, trims["verb_word"]) or after or _last_words(tokens, 8)
    return phrase or after or None


def _modality(kind: str, text: str, match: regex.Match, section_titles: str, metric: str | None,
              ahead: bool = False, year: int | None = None) -> str:
    """achieved / target / context from the document kind and the cue words around the figure."""
    cues = _cues()
    last = _LAST_SENTENCE_BREAK.search(text, 0, match.start())
    sentence_start = last.end() if last else 0
    sentence = text[sentence_start:match.start()]
    clause = _clause_before(text, match.start(), sentence_start)

    def cued(where: str, modality: str, subject: str) -> bool:
        pattern = cues.get((where, modality))
        return bool(pattern and subject and pattern.search(subject))

    if cued("clause", "achieved", clause):
        return "achieved"
    if cued("clause", "context", clause):
        return "context"  # a standing fact in its own clause, whatever the sentence began with: 截至年底，在保…
    if cued("sentence", "achieved", sentence):
        return "achieved"
    if cued("sentence", "target", sentence) or cued("clause", "target", clause) or (
            cued("section", "target", section_titles) and not cued("section", "achieved", section_titles)):
        return "target"
    if cued("metric", "context", metric or "") or cued("sentence", "context", sentence) or cued(
            "section", "context", section_titles):
        return "context"  # a standing fact, in a plan too (服务人口3.26万人), or one stated as a problem
    if kind == "plan" or ahead:
        return "achieved" if _names_a_past_year(sentence, year) else "target"  # 2024年全县发放… in a 2025 plan
    return "achieved"


def _names_a_past_year(sentence: str, year: int | None) -> bool:
    """Tell whether a sentence reports on a year before the document's own (not `到2020年` targets)."""
    return year is not None and any(int(found.group(1)) < year for found in _PAST_YEAR.finditer(sentence))


def _as_written(line: Line, metric: str | None, match: regex.Match) -> str | None:
    """The metric quoted from the raw line (Traditional stays Traditional), found nearest the figure."""
    if not metric:
        return metric
    text = line.text
    position = text.rfind(metric, 0, match.start())
    if position < 0:
        position = text.find(metric, match.end())
    return line.raw_slice(position, position + len(metric)) if position >= 0 else metric


def figures_in_line(line: Line, kind: str = "summary", section_titles: str = "",
                    skip_to: int = 0, ahead: bool = False, year: int | None = None) -> list[dict]:
    """Every figure of one normalised line as field dicts (offsets into the raw line).

    ``ahead``: the line sits in a part that plans ahead (a report's section on its own year or later).
    """
    text = line.text
    if not _MAY_COUNT.search(text):
        return []
    excluded: list[tuple[int, int]] | None = None
    units = _units()
    found: list[dict] = []
    floor = skip_to
    previous_metric: str | None = None
    for match in _candidate_pattern().finditer(text, skip_to):
        num_start, num_end = match.start(_NUM_GROUP), match.end()
        if num_start > 0 and text[num_start - 1] in "第篇" or text[num_start - 1:num_start].isdigit():
            continue
        groups = _Groups._make(match.groups())
        written_unit = groups.unit or groups.unit1
        if groups.unit_tail:
            written_unit = (written_unit or "") + groups.unit_tail
        unit = units.get(written_unit) if written_unit else None
        if not _acceptable(match, groups, text, unit) or _qualifies_a_group(match, groups, text, unit):
            continue
        if excluded is None:
            excluded = _excluded_spans(text)
        if any(start < num_end and num_start < end for start, end in excluded):
            continue
        try:
            value, value_max, implied = _read(groups.num)
            if groups.half or groups.half_after:
                value += Decimal("0.5")  # 一个半月 → 1.5 个月, 两年半 → 2.5 年
            if groups.num2:
                value_max = _read(groups.num2)[0]
                value *= _shared_multiplier(groups.num, groups.num2)
        except (NumeralError, KeyError, ArithmeticError):
            continue
        scale = unit.scale if unit else 1
        canonical = unit.canonical if unit else None
        if groups.num.startswith("百分之"):
            canonical, dimension = "%", "percent"
        else:
            dimension = unit.dimension if unit else None
        start, end = match.span()
        if groups.before is None and text[start:start + 1] == " ":
            start += 1
        raw_start, raw_end = line.raw_span(start, end)
        if found and not text[floor:start].strip(_ADJACENT):
            metric = previous_metric  # 386户612人: the same thing counted twice
        else:
            metric = _metric(text, match, floor)  # normalised (Simplified): what the cues are written in
            if metric is None and found and found[-1]["unit"] == canonical and not _SENTENCE_BREAK.search(
                    text, floor, start):
                metric = previous_metric  # 准确率由62%提升到85%: a level reached, of the thing just counted
        previous_metric = metric
        modality = _modality(kind, text, match, section_titles, metric, ahead, year)
        if modality == "achieved" and found and found[-1]["modality"] == "context" and not _SENTENCE_BREAK.search(
                text, floor, start) and not any(_cues()[(where, "achieved")].search(text, floor, start)
                                                for where in ("sentence", "chain")):
            modality = "context"  # standing facts are listed together: 总面积…,28个社区,总人口…
        found.append({
            "text": line.raw[raw_start:raw_end], "start": raw_start, "end": raw_end,
            "value": as_number(value * scale),
            "value_max": as_number(value_max * scale) if value_max is not None else None,
            "unit": canonical, "dimension": dimension,
            "qualifier": _qualifier(match, groups, implied, text),
            "modality": modality,
            "metric": _as_written(line, metric, match),
            "rule": "number+unit" if not groups.num2 else "range+unit",
        })
        floor = end
    return found


_TITLE_YEAR = regex.compile(r"(20\d\d)年")
_PAST_YEAR = regex.compile(r"(?<![到至比较与同在])((?:19|20)\d\d)年(?!底前|前|基础|水平)")


def _looks_ahead(titles: str, year: int | None) -> bool:
    """Tell whether a heading is about the document's own year or later, as a report's plan part is."""
    return year is not None and any(int(y) >= year for y in _TITLE_YEAR.findall(titles)) and "回顾" not in titles


def find_figures(document, under: dict[int, tuple], activities=()) -> list[Figure]:
    """Figures of every body line of a document, each with the category of the activity it belongs to."""
    by_line: dict[int, list] = {}
    for activity in activities:
        by_line.setdefault(activity.line, []).append(activity)
    figures: list[Figure] = []
    for line in document.lines:
        headings = under.get(line.number, ())
        skip = 0
        if headings and headings[-1].line == line.number:
            skip = line.text_index(headings[-1].start)  # figures start after the heading's marker: at its title
        titles = to_simplified(" ".join(heading.title for heading in headings))  # cues are Simplified: 存在的問題
        ahead = _looks_ahead(titles, document.record.year)  # 2023年工作安排 in a 2023 report plans ahead
        own = by_line.get(line.number, [])
        for fields in figures_in_line(line, document.kind, titles, skip, ahead, document.record.year):
            figures.append(Figure(file=document.file, line=line.number, doc=document.id,
                                  category=_figure_category(fields["start"], own), section=path_of(headings),
                                  **fields))
    return figures


def _figure_category(start: int, activities: list) -> str | None:
    """The category of the sentence of a line that holds a figure (a line can report several activities),
    or, when that sentence is `general`, the line's most frequent category (first seen wins a tie)."""
    own = next((a.category for a in activities if a.start <= start < a.end), None)
    if own and own != FALLBACK:
        return own
    counts: dict[str, int] = {}
    for activity in activities:
        counts[activity.category] = counts.get(activity.category, 0) + 1
    return max(counts, key=counts.get) if counts else None
