"""Audit: check every claimed figure, and every slot a template left empty (issue "Audit: check every claimed
figure"; OUTPUT.md, table findings).

Two kinds of check:

* per file (they need the document's lines): ``placeholder`` (empty number slots, masked years and names),
  ``rate_out_of_range``, ``part_sum_mismatch``, ``rate_count_mismatch``. ``document_findings`` runs them on
  one document; ``extractors/pipeline.py`` calls it per document, so every ``Extraction`` carries them.
* across the corpus (they need every document): ``implausible_value``, ``duplicate_claim``,
  ``target_missed``. ``CorpusAudit`` collects what they need file by file and reports at ``finish``.

``audit(extractions)`` gives both, most severe first. Thresholds and word lists are data (nlp/data:
audit.tsv, audit_masks.tsv, audit_words.tsv, audit_norms.tsv, audit_ratios.tsv). A finding of severity
``error`` accuses the report of a contradiction: those rules only fire where the text leaves no other
reading (exact figures, a total in the clause right before 其中 …); everything less certain is a warning.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import zlib
from array import array
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any, Iterable, Iterator, NamedTuple, Sequence

import regex

from ..nlp.chinese_script import to_simplified
from ..nlp.normalise import Line
from ..nlp.numerals import CHINESE_NUMERAL_CHARS
from ..nlp.resources import data_table
from .records import Record
from .signatures import SignatureStore, similar_pairs, sorted_contains
from .spill import Spill, SpilledRecords

SEVERITIES = ("error", "warning", "info")
FILE_CHECKS = ("placeholder", "rate_out_of_range", "part_sum_mismatch", "rate_count_mismatch")
CORPUS_CHECKS = ("implausible_value", "duplicate_claim", "target_missed")
# Dimensions (units.tsv) whose figures add up: parts of a total are counted in one of these.
ADDITIVE = frozenset({"persons", "person_times", "households", "documents", "events", "times", "facilities",
                      "organisations", "places", "items", "vehicles", "animals", "plants", "weight", "money",
                      "area", "length", "volume"})

_SENTENCE = regex.compile(r"[^。;；!！?？]+[。;；!！?？]*")
_CLAUSE_BREAK = regex.compile(r"[,，;；:：。!！?？]")
_SLOT_CLAUSE_BREAK = regex.compile(r"[,，;；。!！?？]")
_NUMERALISH = set("0123456789.%") | set(CHINESE_NUMERAL_CHARS) | set("余多来几")
_KEY_DROP = regex.compile(r"[^\p{Han}A-Za-z0-9]+")
_PERCENT_SIGN = regex.compile(r"%")
_HAN = regex.compile(r"\p{Han}")
_CLAUSE_MARK = regex.compile(r"[,，;；:：]")
_PARTS_CUE = regex.compile(r"其中|分别|含|包括")
_PARTS_LEAD = regex.compile(r"其中|分别(?:为|是|有|达到|达)?")
_WRITTEN_SCALE = regex.compile(r"[\d.]+\s*([万亿])")
_LEADING_NUMBER = regex.compile(r"^\D*?[\d.,]+\s*[万亿]?")
_LEADING_QUALIFIER = regex.compile(r"^[余多来]")
_TRAILING_QUALIFIER = regex.compile(r"(?:以上|左右|之多)$")
_DECIMAL = regex.compile(r"\d+(?:\.(\d+))?")
_SENTENCE_MARK = regex.compile(r"[。;；!！?？]")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Finding(Record):
    """One audit finding: where it is, which check found it, how bad, and the figures it concerns."""

    file: str
    line: int | None
    doc: str | None
    check: str
    severity: str
    message: str
    start: int | None  # span in the raw line, or None for the whole line
    end: int | None
    records: tuple[str, ...]  # ids of the figures concerned: "<doc>:<line>:<start>"
    rule: str  # the rule that fired, e.g. "placeholder.empty_percent", "part_sum.exceeds_total"
    detail: str | None = None  # the numbers behind the verdict, e.g. "49 + 57 = 106 vs 106"


@dataclass(frozen=True, slots=True)
class Profile(Record):
    """How a document states its figures: how many, how round, how often hedged, how many gaps."""

    file: str
    doc: str
    title: str | None
    kind: str | None
    org: str | None
    year: int | None
    figures: int
    round_share: float | None  # share of figures whose value is a multiple of 10 (from profile.round_min)
    over_share: float | None  # share of figures hedged upwards: 余 多 以上 …
    about_share: float | None  # share of figures hedged both ways: 左右 约 …
    placeholders: int  # empty number slots
    masked: int  # masked years, names and numbers
    errors: int
    warnings: int


@dataclass(frozen=True, slots=True)
class Slot:
    """An empty number slot or a mask found on one line (raw offsets)."""

    start: int
    end: int
    text: str
    rule: str
    severity: str
    context: str


def in_simplified(figure: Any) -> Any:
    """The figure with its metric in Simplified form: the checks' word lists are Simplified, while a
    Traditional report's metrics are quoted as written."""
    metric = getattr(figure, "metric", None)
    folded = to_simplified(metric) if metric else metric
    return replace(figure, metric=folded) if folded != metric else figure


def figure_id(figure: Any) -> str:
    """The id findings use for a figure: ``<doc>:<line>:<start>``."""
    return f"{figure.doc}:{figure.line}:{figure.start}"


# --------------------------------------------------------------------------- data


@functools.cache
def params() -> dict[str, float]:
    """Thresholds by name (data: audit.tsv)."""
    return {row["name"]: float(row["value"]) for row in data_table("audit.tsv")}


@functools.cache
def _words() -> dict[str, tuple[str, ...]]:
    """Word lists by role (data: audit_words.tsv)."""
    out: dict[str, list[str]] = defaultdict(list)
    for row in data_table("audit_words.tsv"):
        out[row["role"]].append(row["word"])
    return {role: tuple(words) for role, words in out.items()}


def _longest_first(words: Iterable[str]) -> list[str]:
    return sorted(set(words), key=len, reverse=True)


@functools.cache
def _masks() -> tuple[tuple[str, str, regex.Pattern], ...]:
    """(rule, severity, pattern) of masked years, names and numbers, in order (data: audit_masks.tsv)."""
    return tuple((row["name"], row["severity"], regex.compile(row["pattern"])) for row in data_table("audit_masks.tsv"))


@functools.cache
def _slot_units() -> tuple[regex.Pattern, regex.Pattern]:
    """Patterns for a blank before a measure word, and for a measure word ending a clause."""
    units = _words()["slot_unit"]
    alternation = "|".join(regex.escape(u) for u in _longest_first(units))
    gap = regex.compile(rf"(?<=[\p{{Han}}\"”」』)）%])(?P<gap>[ ]+)(?P<unit>{alternation})")
    bare = regex.compile(rf"(?P<unit>{alternation})$")
    return gap, bare


@functools.cache
def _norms() -> tuple[tuple[regex.Pattern, str, float, float, str], ...]:
    """(metric pattern, unit, low, high, what) (data: audit_norms.tsv)."""
    return tuple((regex.compile(f"(?:{row['metric']})$"), row["unit"], float(row["low"]), float(row["high"]),
                  row["what"]) for row in data_table("audit_norms.tsv"))


@functools.cache
def _ratios() -> tuple[tuple[regex.Pattern, regex.Pattern, regex.Pattern], ...]:
    """(rate, numerator, denominator) patterns (data: audit_ratios.tsv)."""
    return tuple((regex.compile(f"(?:{row['rate']})$"), regex.compile(row["numerator"]),
                  regex.compile(row["denominator"])) for row in data_table("audit_ratios.tsv"))


@functools.cache
def _dimension_of_unit() -> dict[str, str]:
    """Canonical unit → dimension (data: units.tsv), for records rebuilt without a dimension."""
    out: dict[str, str] = {}
    for row in data_table("units.tsv"):
        if row["canonical"] != "-":
            out.setdefault(row["canonical"], row["dimension"])
    return out


def _dimension(figure: Any) -> str | None:
    return getattr(figure, "dimension", None) or _dimension_of_unit().get(figure.unit or "")


# --------------------------------------------------------------------------- check 1: placeholders


def placeholders_in_line(line: Line) -> list[Slot]:
    """Empty number slots and masks of one normalised line, with spans into the raw line.

    Masks (`20xx年`, `__市`, `XX社区`) come from audit_masks.tsv. Empty number slots: a `%` with no number
    before it (`新生儿访视率%`, `达到 %以上`); a blank where a number belongs before a measure word
    (`在 处种植 株树苗`, `责任制 份`, `完成 户`); and, on a line that has one of those, every clause that
    ends in a measure word with no number before it (`早孕建卡人,孕产妇保健指导人次,…`).
    """
    text = line.text
    found: list[tuple[int, int, str, str, str]] = []  # text start, end, rule, severity, context

    def free(start: int, end: int) -> bool:
        return all(end <= s or e <= start for s, e, *_ in found)

    for rule, severity, pattern in _masks():
        for match in pattern.finditer(text):
            start, end = match.span("slot") if "slot" in pattern.groupindex else match.span()
            if end > start and free(start, end):
                found.append((start, end, rule, severity, text[max(0, start - 6):end + 6]))
    definite = 0
    for match in _PERCENT_SIGN.finditer(text):
        at = match.start()
        before = at - 1
        if before >= 0 and text[before] == " ":
            before -= 1
        previous = text[before] if before >= 0 else ""
        if not _HAN.match(previous) or previous in _NUMERALISH:
            continue  # a number before it, or not a sentence at all (`(%)` headers, URL escapes)
        start = before + 1
        if free(start, at + 1):
            found.append((start, at + 1, "placeholder.empty_percent", "warning", _clause_to(text, at + 1)))
            definite += 1
    gap, bare = _slot_units()
    if _CLAUSE_BREAK.search(text):  # body text, not a byline or a spaced-out title
        for match in gap.finditer(text):
            unit = match.group("unit")
            if text[match.start() - 1] in CHINESE_NUMERAL_CHARS or not _stands_alone(
                    unit, text[match.start("unit"):], first=True):
                continue
            start, end = match.span()
            if free(start, end):
                found.append((start, end, "placeholder.blank_before_unit", "warning", _clause_to(text, end)))
                definite += 1
    if definite:
        position = 0
        for piece in _SLOT_CLAUSE_BREAK.split(text):
            clause_start = position
            position += len(piece) + 1
            clause = piece.rstrip()
            match = bare.search(clause)
            if not match or match.start() < 2:
                continue
            previous = clause[match.start() - 1]
            if not _HAN.match(previous) or previous in _NUMERALISH or not _stands_alone(
                    match.group("unit"), clause, first=False):
                continue
            start, end = clause_start + match.start(), clause_start + match.end()
            if free(start, end):
                found.append((start, end, "placeholder.unit_without_number", "warning", clause.strip()))
    slots = []
    for start, end, rule, severity, context in sorted(found):
        raw_start, raw_end = line.raw_span(start, end)
        slots.append(Slot(raw_start, raw_end, line.raw[raw_start:raw_end], rule, severity, context))
    return slots


def _stands_alone(unit: str, text: str, first: bool) -> bool:
    """Tell whether a measure word is a word of its own at the start (or end) of ``text``, not part of a
    longer word (`人员`, `单位`, `三月份`, `贫困户`): jieba with the domain dictionary decides."""
    from ..nlp.segment import default_segmenter

    clause = _SLOT_CLAUSE_BREAK.split(text)[0] if first else text
    words = [w for w in default_segmenter().cut(clause) if w.strip()]
    if not words:
        return False
    word = words[0] if first else words[-1]
    return word == unit or (not first and word == "数" + unit)


def _clause_to(text: str, end: int) -> str:
    """The clause that ends at ``end``: what a slot message quotes."""
    breaks = [m.end() for m in _SLOT_CLAUSE_BREAK.finditer(text, 0, end)]
    return text[(breaks[-1] if breaks else 0):end].strip()


def _slot_finding(slot: Slot, file: str, line: int, doc: str) -> Finding:
    if slot.rule.startswith("placeholder."):
        message = (f"empty number slot: “{slot.context}” has a unit but no number"
                   if slot.rule != "placeholder.blank_before_unit" else
                   f"empty number slot: a blank where a number belongs in “{slot.context}”")
        rule = slot.rule
    else:
        what = {"masked_year": "masked year", "masked_name": "masked name", "masked_number": "masked number"}
        message = f"{what.get(slot.rule, 'mask')} “{slot.text.strip()}” in “{slot.context.strip()}”"
        rule = f"placeholder.{slot.rule}"
    return Finding(file, line, doc, "placeholder", slot.severity, message, slot.start, slot.end, (), rule)


# --------------------------------------------------------------------------- figures on their lines


@dataclass(frozen=True, slots=True)
class _Placed:
    """A figure with its span in the normalised text of its line."""

    figure: Any
    start: int
    end: int


def _place(line: Line, figures: Iterable[Any]) -> list[_Placed]:
    placed = []
    for figure in figures:
        start = line.text_index(figure.start)
        end = max(start, line.text_index(figure.end))
        placed.append(_Placed(figure, start, end))
    return sorted(placed, key=lambda p: p.start)


def _exact(figure: Any) -> bool:
    return figure.qualifier == "exact" and figure.value_max is None


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _clause_start(text: str, index: int, floor: int = 0) -> int:
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, floor, index)]
    return breaks[-1] if breaks else floor


# --------------------------------------------------------------------------- check 2: rate out of range


def share_kind(metric: str | None, clause: str = "") -> str | None:
    """`share` when the metric names a rate or share that cannot pass 100 %, else None.

    None for growth and change (`增长`, `提高`, `同比` in the metric or the clause before the figure) and for
    rates that can pass 100 % (完成率, 使用率, audit_words.tsv may_exceed).
    """
    if not metric:
        return None
    words = _words()
    if any(word in metric or word in clause for word in words["growth"]):
        return None
    if any(metric.endswith(word) for word in words["may_exceed"]):
        return None
    if any(metric.endswith(word) for word in words["share_rate"]):
        return "share"
    return None


def _rate_findings(line: Line, placed: list[_Placed]) -> list[Finding]:
    findings = []
    for item in placed:
        figure = item.figure
        if figure.unit != "%":
            continue
        high = figure.value_max if figure.value_max is not None else figure.value
        if not (high > 100 and figure.qualifier != "under") and not figure.value < 0:
            continue
        clause = line.text[_clause_start(line.text, item.start):item.start]
        if share_kind(figure.metric, clause) != "share":
            continue
        if "的" in clause[clause.rfind(figure.metric[-1]) + 1:]:
            continue  # `覆盖率达到省定目标的110%`: a share of something else
        findings.append(Finding(
            figure.file, figure.line, figure.doc, "rate_out_of_range", "error",
            f"{figure.metric} {figure.text}: a share cannot be {'above 100' if high > 100 else 'below 0'} %",
            figure.start, figure.end, (figure_id(figure),), "rate.share_out_of_0_100",
            f"value {figure.value}" + (f"–{figure.value_max}" if figure.value_max is not None else ""),
        ))
    return findings


# --------------------------------------------------------------------------- check 4: parts and totals


def _sentences(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SENTENCE.finditer(text)]


def _clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of text[start:end] split at , ; : (half-open spans)."""
    spans, position = [], start
    for match in _CLAUSE_MARK.finditer(text[start:end]):
        spans.append((position, start + match.start()))
        position = start + match.end()
    spans.append((position, end))
    return spans


def _parts_after(text: str, placed: list[_Placed], after: int, sentence_end: int, unit: str | None,
                 ) -> list[_Placed]:
    """Consecutive figures of one unit after ``after`` in the sentence, up to another unit or a new claim."""
    stops = _words()["part_stop"]
    parts: list[_Placed] = []
    for item in placed:
        if item.start < after or item.start >= sentence_end:
            continue
        if _in_brackets(text, after, item.start):
            continue  # `重症伤员29人(含危重伤员4人)`: a part of a part
        if unit is None:
            unit = item.figure.unit
        if item.figure.unit != unit:
            break
        between = text[(parts[-1].end if parts else after):item.start]
        if not parts and _CLAUSE_BREAK.search(between.lstrip(" ,，:：")):
            break  # `其中大部分为老住户，今年新增住户900户`: the first part must follow 其中 in its clause
        if parts and _PARTS_CUE.search(between):
            break
        clause_head = _CLAUSE_MARK.split(between)[-1].strip() if _CLAUSE_BREAK.search(between) else ""
        if parts and clause_head and any(clause_head.startswith(word) for word in stops):
            break
        parts.append(item)
    return parts


def _in_brackets(text: str, start: int, index: int) -> bool:
    """Tell whether ``index`` stands inside a bracket opened after ``start`` and not yet closed."""
    depth = 0
    for ch in text[start:index]:
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】" and depth:
            depth -= 1
    return depth > 0


def _noun_headed(metric: str | None) -> bool:
    """Tell whether a metric names a kind of thing (`执业医师`, `一类疫苗`), not a stage or an outcome
    (`办结`, `调解成功`): parts that are stages of one process overlap and need not add up."""
    if not metric:
        return False
    from ..nlp.segment import default_segmenter

    tags = [tag for word, tag in default_segmenter().tag(metric) if word.strip()]
    return bool(tags) and (tags[-1].startswith("n") or tags[-1] in ("vn", "j"))


def _part_findings(line: Line, placed: list[_Placed]) -> list[Finding]:
    text = line.text
    findings: list[Finding] = []
    params_ = params()
    for sentence_start, sentence_end in _sentences(text):
        in_sentence = [p for p in placed if sentence_start <= p.start < sentence_end]
        if len(in_sentence) < 2:
            continue
        clauses = _clause_spans(text, sentence_start, sentence_end)
        for index, (clause_start, clause_end) in enumerate(clauses):
            head = text[clause_start:clause_end].lstrip()
            cue = _PARTS_LEAD.match(head)
            if not cue or index == 0:
                continue
            cue_end = clause_start + (len(text[clause_start:clause_end]) - len(head)) + cue.end()
            previous_start, previous_end = clauses[index - 1]
            before = [p for p in in_sentence if previous_start <= p.start < previous_end]
            parts = _parts_after(text, in_sentence, cue_end, sentence_end, None)
            if not before or not parts:
                continue
            unit = parts[0].figure.unit
            totals = [p for p in before if p.figure.unit == unit]
            if not totals:
                continue
            total = totals[-1]
            exhaustive = cue.group().startswith("分别")
            if exhaustive and text[total.end:previous_end].strip(" ,，:："):
                continue  # `总人口…，两镇人口分别为…`: the parts may not be all of the total
            finding = _judge_parts(line, total, parts, exhaustive, params_, cue_end)
            if finding:
                findings.append(finding)
    return findings


def _judge_parts(line: Line, total: _Placed, parts: list[_Placed], exhaustive: bool,
                 params_: dict[str, float], cue_end: int) -> Finding | None:
    """The verdict on a total and the parts listed after 其中 / 分别 (None when they agree or cannot be
    compared). Error only for exact figures listed as plain parts; parts that may overlap give a warning."""
    whole = total.figure
    if not _exact(whole) or _dimension(whole) not in ADDITIVE:
        return None
    figures = [p.figure for p in parts]
    if any(f.value_max is not None or f.qualifier == "under" for f in figures):
        return None
    tolerance = params_["part_sum.about_tolerance"] if any(f.qualifier == "about" for f in figures) else \
        params_["part_sum.tolerance"]
    total_value = _decimal(whole.value)
    values = [_decimal(f.value) for f in figures]
    parts_sum = sum(values, Decimal(0))
    slack = total_value * Decimal(str(tolerance))
    ids = (figure_id(whole),) + tuple(figure_id(f) for f in figures)
    sum_text = " + ".join(f.text for f in figures)
    detail = f"{' + '.join(_plain(v) for v in values)} = {_plain(parts_sum)} vs total {_plain(total_value)}"
    start, end = whole.start, figures[-1].end
    label = f"{whole.metric or ''} {whole.text}".strip()
    overlap_words = _words()["overlap"]
    overlaps = any(word in (f.metric or "") or word in line.text[max(0, p.start - 12):p.start]
                   for p, f in zip(parts, figures) for word in overlap_words)
    overlaps = overlaps or not all(_noun_headed(f.metric) for f in figures)
    # a part introduced by a long phrase may be a claim of its own, not a share of the total
    lead = max(len(line.text[previous:p.start].strip(" ,，、和及")) for previous, p in
               zip([cue_end] + [q.end for q in parts[:-1]], parts))
    long_lead = lead > params_["part_sum.max_lead"]
    biggest = max(values)
    if biggest > total_value + slack:
        part = figures[values.index(biggest)]
        return Finding(whole.file, whole.line, whole.doc, "part_sum_mismatch",
                       "warning" if long_lead else "error",
                       f"a part is larger than its total: {part.metric or ''} {part.text} > {label}",
                       start, end, ids, "part_sum.part_exceeds_total",
                       f"{_plain(biggest)} vs total {_plain(total_value)}")
    if len(figures) >= 2 and parts_sum > total_value + slack:
        if overlaps or long_lead or any(f.qualifier == "about" for f in figures):
            return Finding(whole.file, whole.line, whole.doc, "part_sum_mismatch", "warning",
                           f"parts {sum_text} add up to {_as_written(parts_sum, whole)}, more than {label} "
                           "(the parts may overlap)", start, end, ids, "part_sum.parts_may_overlap", detail)
        return Finding(whole.file, whole.line, whole.doc, "part_sum_mismatch", "error",
                       f"parts {sum_text} add up to {_as_written(parts_sum, whole)}, more than {label}",
                       start, end, ids, "part_sum.parts_exceed_total", detail)
    if exhaustive and len(figures) >= 2 and parts_sum < total_value - slack and all(
            f.qualifier == "exact" for f in figures):
        return Finding(whole.file, whole.line, whole.doc, "part_sum_mismatch", "error",
                       f"{label} is split 分别 into {sum_text} = {_as_written(parts_sum, whole)}, "
                       "which is not the total",
                       start, end, ids, "part_sum.split_does_not_add_up", detail)
    return None


def _as_written(value: Decimal, like: Any) -> str:
    """A sum in the multiplier and unit the total was written with: 130亿元, 1.3万人次, 116名."""
    written = _WRITTEN_SCALE.search(like.text or "")
    scale = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}[written.group(1)] if written else Decimal(1)
    unit = _LEADING_NUMBER.sub("", like.text or "")
    unit = _LEADING_QUALIFIER.sub("", unit)
    unit = _TRAILING_QUALIFIER.sub("", unit)
    return f"{_plain(value / scale)}{written.group(1) if written else ''}{unit}"


def _plain(value: Decimal | float | int) -> str:
    number = _decimal(value)
    text = format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------- check 5: rate vs counts


def _written_interval(figure: Any) -> tuple[float, float]:
    """The interval a written figure stands for: its rounding, widened by its qualifier."""
    value = float(figure.value)
    match = _DECIMAL.search(figure.text or "")
    if match:
        digits = float(match.group().replace(",", "")) or 1.0
        scale = value / digits if digits else 1.0
        decimals = len(match.group(1) or "")
        step = 10 ** -decimals * abs(scale)
    else:
        step = max(1.0, abs(value) * 0.1)
    half = step / 2
    if figure.qualifier == "over":
        return value, value + step * (10 if step >= 1 and value % (step * 10) == 0 else 1)
    if figure.qualifier == "under":
        return value - step, value
    if figure.qualifier == "about":
        return value * 0.95 - half, value * 1.05 + half
    return value - half, value + half


def _rate_count_findings(doc_lines: dict[int, Line], placed_by_line: dict[int, list[_Placed]]) -> list[Finding]:
    findings = []
    context_lines = int(params()["rate_count.context_lines"])
    slack = params()["rate_count.slack_pp"]
    for number, placed in placed_by_line.items():
        for item in placed:
            rate = item.figure
            if rate.unit != "%" or rate.value_max is not None or not rate.metric:
                continue
            line_text = doc_lines[number].text
            clause = line_text[_clause_start(line_text, item.start):item.start]
            if share_kind(rate.metric, clause) != "share":
                continue
            row = next((r for r in _ratios() if r[0].search(rate.metric)), None)
            if row is None:
                continue
            _, numerator_pattern, denominator_pattern = row
            sentence_start = max((m.end() for m in _SENTENCE_MARK.finditer(line_text, 0, item.start)),
                                 default=0)
            numerators = [p for p in placed if sentence_start <= p.start < item.start and _countable(p.figure)
                          and numerator_pattern.search(p.figure.metric or "")
                          and not denominator_pattern.search(p.figure.metric or "")]
            if not numerators:
                continue
            numerator = numerators[-1]
            if any(p.figure.unit == "%" and numerator.start < p.start < item.start for p in placed):
                continue  # `建档率89.4%,其中电子档案建档率88.7%`: the count belongs to the first rate
            denominators = []
            for other_number in range(number - context_lines, number + 1):
                for p in placed_by_line.get(other_number, ()):
                    if other_number == number and p.start >= item.start:
                        continue
                    if _countable(p.figure) and denominator_pattern.search(p.figure.metric or "") and \
                            p.figure.value > numerator.figure.value:
                        denominators.append(p)
            if len({float(p.figure.value) for p in denominators}) != 1:
                continue
            denominator = denominators[-1]
            low_n, high_n = _written_interval(numerator.figure)
            low_d, high_d = _written_interval(denominator.figure)
            low_r, high_r = _written_interval(rate)
            if rate.qualifier == "over":
                high_r = 100.0
            if low_d <= 0:
                continue
            low_c, high_c = 100 * low_n / high_d, 100 * high_n / low_d
            if low_c - slack <= high_r and low_r <= high_c + slack:
                continue
            computed = 100 * float(numerator.figure.value) / float(denominator.figure.value)
            findings.append(Finding(
                rate.file, rate.line, rate.doc, "rate_count_mismatch", "warning",
                f"{rate.metric} {rate.text} does not match {numerator.figure.metric} {numerator.figure.text} ÷ "
                f"{denominator.figure.metric} {denominator.figure.text} = {computed:.1f}%",
                rate.start, rate.end, (figure_id(rate), figure_id(numerator.figure), figure_id(denominator.figure)),
                "rate_count.ratio_differs", f"{numerator.figure.value} / {denominator.figure.value} = {computed:.2f}%"
                f" vs {rate.value}%"))
    return findings


def _countable(figure: Any) -> bool:
    return figure.unit not in (None, "%") and _dimension(figure) in ADDITIVE


# --------------------------------------------------------------------------- per document


def line_findings(doc_id: str, file: str, lines: Sequence[Line], figures: Iterable[Any]) -> list[Finding]:
    """Every per-file check over one document's lines (title line included) and figures."""
    findings: list[Finding] = []
    by_line: dict[int, list[Any]] = defaultdict(list)
    for figure in figures:
        by_line[figure.line].append(in_simplified(figure))
    doc_lines = {line.number: line for line in lines}
    placed_by_line: dict[int, list[_Placed]] = {}
    for line in lines:
        for slot in placeholders_in_line(line):
            findings.append(_slot_finding(slot, file, line.number, doc_id))
        if by_line.get(line.number):
            placed_by_line[line.number] = _place(line, by_line[line.number])
    for number, placed in placed_by_line.items():
        findings.extend(_rate_findings(doc_lines[number], placed))
        findings.extend(_part_findings(doc_lines[number], placed))
    findings.extend(_rate_count_findings(doc_lines, placed_by_line))
    return findings


def document_findings(document: Any, figures: Iterable[Any] = ()) -> list[Finding]:
    """Per-file checks of one ``Document`` (documents.py) and the figures found in it (others are ignored)."""
    lines = ([document.title_line] if document.title_line is not None else []) + list(document.lines)
    own = [f for f in figures if f.doc == document.id]
    return line_findings(document.id, document.file, lines, own)


# --------------------------------------------------------------------------- corpus checks


# file, line, doc, start and end of the text in CorpusAudit._texts, start, end, is int, qualifier, unit, metric,
# modality; value
_FIGURE_RECORD = "<12id"
_LINE_COLUMNS = 4  # doc, file, line number, end of the line's figure starts in CorpusAudit._starts
_SET_COLUMNS = 5  # doc, file, line number, start and end of the figure set's key in CorpusAudit._set_keys
_NO_TEXT = b"\0"  # a figure text of None in CorpusAudit._texts (a text is never a lone NUL)


class _Pool:
    """Distinct strings by an int code (None is 0): a string repeated across the corpus is kept once, and the
    audit's columns hold its code."""

    __slots__ = ("items", "_codes")

    def __init__(self) -> None:
        self.items: list[Any] = [None]
        self._codes: dict[Any, int] = {None: 0}

    def code(self, item: Any) -> int:
        """The code of ``item``, a new one the first time it is seen."""
        code = self._codes.get(item)
        if code is None:
            code = self._codes[item] = len(self.items)
            self.items.append(item)
        return code

    def intern(self, item: Any) -> Any:
        """The pool's copy of ``item``: the object every equal value shares."""
        return self.items[self.code(item)]


@dataclass(frozen=True, slots=True)
class _Document:
    """What the corpus checks read of a document record: its kind, year and organisation."""

    kind: str | None
    year: int | None
    org: str | None


class _KeptFigure(NamedTuple):
    """What the corpus checks read of a figure (a single value with a metric, in Simplified form): a plain
    tuple, cheap to send from a worker process, and what ``CorpusAudit`` rebuilds from its records."""

    file: str
    line: int
    doc: str
    text: str | None
    start: int
    end: int
    value: int | float
    qualifier: str
    unit: str | None
    metric: str
    modality: str


def _implausible_finding(figure: _KeptFigure, message: str, rule: str, evidence: str) -> Finding:
    """An implausible_value warning on one figure."""
    return Finding(figure.file, figure.line, figure.doc, "implausible_value", "warning", message,
                   figure.start, figure.end, (figure_id(figure),), rule, evidence)


class CorpusAudit:
    """Collect, file by file, what the cross-document checks need; ``finish`` runs them.

    Nothing is kept as a Python object per figure or per line: the figures a check can use (a single value
    with a metric) as one record of codes and numbers each, their texts as UTF-8 one after the other,
    repeated strings once in a pool; per body line its doc, file, number and figure starts in arrays and its
    MinHash signature in a ``SignatureStore``; per figure set its key as bytes. Documents keep kind, year and
    org. Given a folder ``spill``, the figure records, their texts and the signatures (512 bytes per line,
    else the largest part by far) go to unnamed scratch files there; in memory stay a few ints per figure
    and per line.
    """

    def __init__(self, spill: str | None = None) -> None:
        self.documents: dict[str, _Document] = {}  # in the order first seen: the order of the findings
        self._finished = False
        self._reset(spill)

    def _reset(self, spill: str | None) -> None:
        """Keep nothing of the corpus but its documents: at the start, and once the checks have run (with no
        scratch files), to leave the memory to the findings and their writer."""
        self._strings = _Pool()
        self._figures = SpilledRecords(_FIGURE_RECORD, spill)  # one record of codes and numbers per figure kept
        self._texts = Spill(spill)  # the texts of those figures, one after the other
        self._norm_rows = array("i")  # figures that meet a genre norm (audit_norms.tsv), in order ...
        self._norm_of = array("i")  # ... and the index of the first norm they meet
        self._rates: dict[str, array] = {}  # rate key → figures of that rate (shares of 0–100 %), in order
        self._planned: dict[str, array] = {}  # doc → its target figures with a unit
        self._achieved: dict[str, array] = {}  # doc → its achieved figures with a unit
        self._checks: dict[tuple[int, int], tuple[int | None, str | None]] = {}  # (metric, unit) → norm, rate key
        self._lines = array("i")  # _LINE_COLUMNS per body line with a signature
        self._starts = array("i")  # start of each figure of those lines, line after line
        p = params()
        self._signatures = SignatureStore(int(p["duplicate.permutations"]), int(p["duplicate.bands"]), spill)
        self._set_places = array("i")  # _SET_COLUMNS per line stating a figure set ...
        self._set_hashes = array("q")  # ... the hash of its key (_set_key) ...
        self._set_keys = Spill(spill)  # ... and the key itself

    def add(self, extraction: Any) -> None:
        """Take in one file's records (an ``Extraction``), or what ``audit_input`` made of them already (in a
        worker process) when its ``extra`` holds that under ``"audit"``."""
        if self._finished:
            raise RuntimeError("this CorpusAudit has finished already")
        part = extraction.extra.get("audit") or audit_input(extraction)
        strings = self._strings
        for doc, kind, year, org in part.documents:
            self.documents[strings.intern(doc)] = _Document(strings.intern(kind), year, strings.intern(org))
        for figure in part.figures:
            self._add_figure(figure)
        file = strings.code(part.file)
        for (doc, number, starts), signature in zip(part.lines, part.signatures):
            self._add_line(strings.code(doc), file, number, signature, starts)
        for key, key_hash, doc, number in part.sets:
            start = self._set_keys.write(key)
            self._set_hashes.append(key_hash)
            self._set_places.extend((strings.code(doc), file, number, start, self._set_keys.size))

    def _add_figure(self, figure: Any) -> None:
        """Keep a figure's fields as codes if a corpus check can use it: a single value with a metric that
        meets a genre norm, is a share of a named rate, or is a target or achieved figure with a unit."""
        code = self._strings.code
        metric, unit = code(figure.metric), code(figure.unit)
        checks = self._checks.get((metric, unit))
        if checks is None:
            checks = self._checks[(metric, unit)] = _checks_of(figure.metric, figure.unit)
        norm, rate = checks
        if rate is not None and not 0 < float(figure.value) <= 100:
            rate = None
        role = {"target": self._planned, "achieved": self._achieved}.get(figure.modality) \
            if figure.unit is not None else None
        if norm is None and rate is None and role is None:
            return
        row = self._figures.count
        doc = code(figure.doc)
        text = self._texts.write(_NO_TEXT if figure.text is None else figure.text.encode("utf-8", "surrogatepass"))
        self._figures.append(code(figure.file), figure.line, doc, text, self._texts.size, figure.start, figure.end,
                              type(figure.value) is int, code(figure.qualifier), unit, metric, code(figure.modality),
                              figure.value)
        if norm is not None:
            self._norm_rows.append(row)
            self._norm_of.append(norm)
        if rate is not None:
            self._rates.setdefault(rate, array("i")).append(row)
        if role is not None:
            role.setdefault(self._strings.items[doc], array("i")).append(row)

    def _add_line(self, doc: int, file: int, number: int, signature: Any, starts: list[int]) -> None:
        """Keep a body line: where it is, where its figures start, and its signature."""
        self._signatures.append(signature)
        self._starts.extend(starts)
        self._lines.extend((doc, file, number, len(self._starts)))

    def _figure(self, row: int) -> _KeptFigure:
        """A kept figure, rebuilt from its codes."""
        file, line, doc, text_start, text_end, start, end, is_int, qualifier, unit, metric, modality, value = \
            self._figures[row]
        text = self._texts.read(text_start, text_end)
        s = self._strings.items
        return _KeptFigure(s[file], line, s[doc], None if text == _NO_TEXT else text.decode("utf-8", "surrogatepass"),
                           start, end, int(value) if is_int else value, s[qualifier], s[unit], s[metric], s[modality])

    def _figures_of(self, role: dict[str, array], doc: str) -> list[_KeptFigure]:
        """The figures of one document in ``role`` (self._planned or self._achieved), rebuilt."""
        return [self._figure(row) for row in role.get(doc, ())]

    def findings(self) -> Iterator[Finding]:
        """The cross-document findings over everything added, check by check (duplicate_claim,
        implausible_value, target_missed), as they are found: a writer can stream them (``finish`` sorts
        them). Once only, after the last ``add``: what the checks read is let go as soon as they are done
        with it (the line signatures once the lines are compared)."""
        if self._finished:
            raise RuntimeError("this CorpusAudit has finished already")
        self._finished = True
        yield from self._duplicates()
        yield from self._implausible()
        yield from self._targets()
        for store in (self._figures, self._texts, self._set_keys):
            store.close()
        self._reset(None)

    def finish(self) -> list[Finding]:
        """The cross-document findings over everything added, in document order (``sort_findings``)."""
        return sort_findings(self.findings(), list(self.documents))

    # ----- duplicate_claim

    def _line_ids(self, index: int) -> tuple[str, ...]:
        """The ids of the figures on a kept line."""
        at = index * _LINE_COLUMNS
        doc, _, number, end = self._lines[at:at + _LINE_COLUMNS]
        begin = self._lines[at - 1] if index else 0
        doc_id = self._strings.items[doc]
        return tuple(f"{doc_id}:{number}:{start}" for start in self._starts[begin:end])

    def _duplicates(self) -> Iterator[Finding]:
        """duplicate_claim: each line that nearly repeats lines of other documents (one finding naming them
        all), then each line that states the same set of figures as a line of another document."""
        import numpy as np

        p = params()
        docs = np.frombuffer(self._lines, dtype=np.intc).reshape(-1, _LINE_COLUMNS)[:, 0]
        width, named = self._signatures.width, int(p["duplicate.named_max"])
        s = self._strings.items
        reported = array("q")  # lines with a near-duplicate finding, as doc code << 32 | line number
        for later, earlier, shared in similar_pairs(self._signatures, docs, p["duplicate.jaccard"],
                                                    int(p["duplicate.bucket_cap"])):
            bounds = [0, *(np.flatnonzero(np.diff(later)) + 1).tolist(), len(later)]
            for begin, end in zip(bounds, bounds[1:]):
                if begin == end:
                    continue
                line = int(later[begin])
                doc, file, number, _ = self._lines[line * _LINE_COLUMNS:(line + 1) * _LINE_COLUMNS]
                # the most similar lines first (the earliest among equals), the first ``named`` of them named
                order = np.lexsort((earlier[begin:end], -shared[begin:end]))[:named]
                matches = earlier[begin:end][order].tolist()
                similarity = (shared[begin:end][order] / width).tolist()
                others = [self._lines[i * _LINE_COLUMNS:i * _LINE_COLUMNS + 3] for i in matches]
                names = ", ".join(f"{s[o_doc]} line {o_number}" for o_doc, _, o_number in others[:3]) + (
                    f" and {end - begin - 3} more" if end - begin > 3 else "")
                own = self._line_ids(line)
                severity, what = ("warning", "claims") if own else ("info", "text")
                yield Finding(
                    s[file], number, s[doc], "duplicate_claim", severity,
                    f"line repeats the {what} of {names} (similarity {similarity[0]:.2f})",
                    None, None, own + tuple(i for index in matches for i in self._line_ids(index)),
                    "duplicate.near_duplicate_line",
                    "; ".join(f"{s[o_file]}:{o_number} {value:.2f}"
                              for (_, o_file, o_number), value in zip(others, similarity))
                    + (f"; {end - begin - len(matches)} more lines" if end - begin > len(matches) else ""))
                reported.append(doc << 32 | number)
        self._signatures.close()  # compared: the signatures are no longer needed
        stated: set[tuple[int, int]] = set()  # lines with an identical-set finding
        hashes = np.frombuffer(self._set_hashes, dtype=np.int64)
        order = np.argsort(hashes, kind="stable")  # grouped by set (by the hash of its key), in the order added
        places = np.frombuffer(self._set_places, dtype=np.intc).reshape(-1, _SET_COLUMNS)[order]
        # per place: does its line have a near-duplicate finding already?
        near = sorted_contains(np.sort(np.frombuffer(reported, dtype=np.int64)),
                               places[:, 0].astype(np.int64) << 32 | places[:, 2]).tolist()
        bounds = [0, *(np.flatnonzero(np.diff(hashes[order])) + 1).tolist(), len(places)]
        for begin, end in zip(bounds, bounds[1:]):
            if end - begin < 2:
                continue
            group = places[begin:end].tolist()
            if len(dict.fromkeys(doc for doc, *_ in group)) < 2:
                continue
            first_doc, first_file, first_number, key_start, key_end = group[0]
            values = ", ".join(f"{v}{u or ''}" for v, u in _set_values(self._set_keys.read(key_start, key_end)))
            for (doc, file, number, _, _), near_duplicate in zip(group[1:], near[begin + 1:end]):
                if doc == first_doc or near_duplicate or (doc, number) in stated:
                    continue
                yield Finding(
                    s[file], number, s[doc], "duplicate_claim", "warning",
                    f"line states the same figures ({values}) as {s[first_doc]} line {first_number}",
                    None, None, (), "duplicate.identical_figure_set", f"{s[first_file]}:{first_number}")
                stated.add((doc, number))

    # ----- implausible_value

    def _implausible(self) -> Iterator[Finding]:
        p = params()
        norms = _norms()
        flagged: set[str] = set()
        for row, norm in zip(self._norm_rows, self._norm_of):
            figure = self._figure(row)
            _, unit, low, high, what = norms[norm]
            value = float(figure.value)
            if unit == "%" and (value > 100 or value < 0):
                continue  # impossible, not implausible: rate_out_of_range reports it
            if low <= value <= high or (figure.qualifier == "over" and value >= low) or (
                    figure.qualifier == "under" and value <= high):
                continue
            flagged.add(figure_id(figure))
            yield _implausible_finding(
                figure, f"{figure.metric} {figure.text} is outside the usual {_plain(low)}–{_plain(high)}{unit} "
                f"({'a lost digit?' if value < low else 'check the figure'})", "implausible.genre_norm", f"{what}")
        min_peers, min_docs, ratio = int(p["implausible.min_peers"]), int(p["implausible.min_docs"]), \
            p["implausible.ratio"]
        for key, rows in self._rates.items():
            if len(rows) <= min_peers:
                continue
            members = [self._figure(row) for row in rows]
            values = sorted(float(f.value) for f in members)
            by_doc: dict[str, list[float]] = defaultdict(list)
            for figure in members:
                by_doc[figure.doc].append(float(figure.value))
            for figure in members:
                if figure_id(figure) in flagged or figure.qualifier == "under":
                    continue
                own = sorted(by_doc[figure.doc])  # the peers are the values of the other docs
                count = len(values) - len(own)
                if count < min_peers or len(by_doc) - 1 < min_docs:
                    continue
                median = _select(values, own, count // 2) if count % 2 else \
                    (_select(values, own, count // 2 - 1) + _select(values, own, count // 2)) / 2
                least = _select(values, own, 0)
                value = float(figure.value)
                if value < ratio * median and value < 10 <= least and median >= 50:  # a lost digit
                    yield _implausible_finding(
                        figure, f"{figure.metric} {figure.text} is far below what other reports state for {key} "
                        f"(median {_plain(round(median, 1))}% of {count})", "implausible.corpus_median",
                        f"value {figure.value} < {ratio} × median {median}")

    # ----- target_missed

    def _targets(self) -> Iterator[Finding]:
        """target_missed: for each organisation and year, the targets of its plans against the results of its
        summaries (each side's figures read back once per organisation and year)."""
        results: dict[tuple[str | None, int], list[str]] = defaultdict(list)  # (org, year reviewed) → docs
        plans: dict[tuple[str | None, int], list[str]] = defaultdict(list)  # (org, year planned) → docs
        for doc, document in self.documents.items():
            year = _reviewed_year(document)
            if year is not None:
                results[(document.org, year)].append(doc)
            target_year = _target_year(document)
            if target_year is not None and document.org:
                plans[(document.org, target_year)].append(doc)
        for key, planned_docs in plans.items():
            if not results.get(key):
                continue
            achieved = {result: self._figures_of(self._achieved, result) for result in results[key]}
            for doc in planned_docs:
                planned = self._figures_of(self._planned, doc)
                for result, figures in achieved.items():
                    if result != doc:
                        yield from _missed(doc, key[0], planned, figures)


def _checks_of(metric: str, unit: str | None) -> tuple[int | None, str | None]:
    """Which corpus checks can use a figure of this metric and unit: the index of the first genre norm
    (audit_norms.tsv) it meets, and the rate key of a share (values 0–100 %) to compare across reports."""
    norm = next((index for index, (pattern, norm_unit, *_) in enumerate(_norms())
                 if unit == norm_unit and pattern.search(metric)), None)
    rate = _rate_key(metric) if unit == "%" and share_kind(metric) == "share" else None
    return norm, rate or None


def _select(ordered: list[float], removed: list[float], rank: int) -> float:
    """The value of a given rank in ``ordered`` once ``removed`` (sorted, all in ``ordered``) are taken out:
    the peers' median and least without building a list per figure (statistics.median, same result)."""
    index, previous, repeat = rank, None, 0
    for value in removed:
        repeat = repeat + 1 if value == previous else 0
        previous = value
        if bisect.bisect_left(ordered, value) + repeat > index:
            break
        index += 1
    return ordered[index]


def _set_key(values: set[tuple[str, str | None]]) -> bytes:
    """A figure set as compact bytes: the (value, unit) pairs in a fixed order (a unit after \\x1e)."""
    return "\x1f".join(v if u is None else f"{v}\x1e{u}" for v, u in sorted(values, key=str)).encode()


def _set_values(key: bytes) -> list[tuple[str, str | None]]:
    """The (value, unit) pairs of a figure set key, in order."""
    pairs = []
    for item in key.decode().split("\x1f"):
        value, mark, unit = item.partition("\x1e")
        pairs.append((value, unit if mark else None))
    return pairs


def _rate_key(metric: str) -> str | None:
    """The named rate a metric ends with and the two characters before it (`疫苗接种率`, `森林覆盖率`), to
    compare like with like across reports; None for bare 率, 比重, 占比, 比例 (too general to compare)."""
    text = _KEY_DROP.sub("", metric)
    for word in _longest_first(_words()["share_rate"]):
        if word in ("率", "比例", "比重", "占比"):
            continue
        if text.endswith(word):
            return text[-len(word) - 2:]
    return None


def _target_year(document: Any) -> int | None:
    if document.kind in ("plan", "report") and document.year:
        return document.year
    return None


def _reviewed_year(document: Any) -> int | None:
    if not document.year:
        return None
    if document.kind == "summary":
        return document.year
    if document.kind == "report":
        return document.year - 1
    return None


def _same_metric(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.endswith(short)


def _missed(plan: str, org: str, planned: list[_KeptFigure], achieved: list[_KeptFigure]) -> list[Finding]:
    """Achieved figures of another report of ``org`` below a target of ``plan`` (all figures single values
    with a unit: CorpusAudit keeps no others)."""
    findings = []
    for target in planned:
        matches = [f for f in achieved if f.unit == target.unit and _same_metric(f.metric, target.metric)]
        if len({float(f.value) for f in matches}) != 1:
            continue
        done = matches[0]
        goal, value = float(target.value), float(done.value)
        tolerance = 0.05 if target.qualifier == "about" else 0.0
        if target.qualifier == "under":
            missed = value > goal * (1 + tolerance) and done.qualifier != "under"
        else:
            missed = value < goal * (1 - tolerance) and done.qualifier not in ("over",)
        if not missed:
            continue
        findings.append(Finding(
            done.file, done.line, done.doc, "target_missed", "warning",
            f"{org}: {done.metric} {done.text} falls short of the target {target.text} set in "
            f"{plan} line {target.line}", done.start, done.end, (figure_id(done), figure_id(target)),
            "target.achieved_below_target", f"achieved {done.value} vs target {target.value} ({target.qualifier})"))
    return findings


# --------------------------------------------------------------------------- MinHash


@functools.cache
def _permutations() -> tuple[Any, Any]:
    import numpy as np

    count = int(params()["duplicate.permutations"])
    rng = np.random.default_rng(20240229)
    return (rng.integers(1, (1 << 31) - 1, size=count, dtype=np.uint64),
            rng.integers(0, (1 << 31) - 1, size=count, dtype=np.uint64))


def _minhash(text: str) -> Any:
    """The MinHash signature of a text's character shingles (stable across runs and processes)."""
    import numpy as np

    size = int(params()["duplicate.shingle"])
    shingles = {text[i:i + size] for i in range(max(1, len(text) - size + 1))}
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    a, b = _permutations()
    prime = np.uint64((1 << 31) - 1)
    # values are below 2**31: kept as uint32, half the memory of the uint64 arithmetic
    return ((np.outer(hashes & np.uint64(0x7FFFFFFF), a) + b) % prime).min(axis=0).astype(np.uint32)


@dataclass(frozen=True, slots=True)
class AuditInput:
    """What the corpus checks read of one file, made where the file is extracted (``audit_input``): in a
    worker process, the minhashing and script folding run in parallel, and less crosses to the parent."""

    file: str
    documents: tuple[tuple[str, str | None, int | None, str | None], ...]  # doc, kind, year, org
    figures: tuple[_KeptFigure, ...]  # single values with a metric
    lines: tuple[tuple[str, int, tuple[int, ...]], ...]  # body lines long enough to compare: doc, number, starts
    signatures: Any  # their MinHash signatures, one row per line
    sets: tuple[tuple[bytes, int, str, int], ...]  # lines stating enough figures: set key, its hash, doc, number


def audit_input(extraction: Any) -> AuditInput:
    """The ``AuditInput`` of one file's records (an ``Extraction``)."""
    import numpy as np

    figures_by_line: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for figure in extraction.figures:
        figures_by_line[(figure.doc, figure.line)].append(figure)
    p = params()
    minimum, set_minimum = int(p["duplicate.min_chars"]), int(p["duplicate.figure_set_min"])
    lines, signatures, sets = [], [], []
    for (doc, number), text in body_line_texts(extraction.activities).items():
        key = _KEY_DROP.sub("", text)
        own = figures_by_line.get((doc, number), [])
        if len(key) >= minimum:
            lines.append((doc, number, tuple(f.start for f in own)))
            signatures.append(_minhash(key))
        values = {(_plain(f.value), f.unit) for f in own}
        if len(values) >= set_minimum:
            key = _set_key(values)
            sets.append((key, int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little", signed=True),
                         doc, number))
    width = int(p["duplicate.permutations"])
    return AuditInput(
        file=extraction.file,
        documents=tuple((d.doc, d.kind, d.year, d.org) for d in extraction.documents),
        figures=tuple(_KeptFigure(f.file, f.line, f.doc, f.text, f.start, f.end, f.value, f.qualifier, f.unit,
                                  to_simplified(f.metric), f.modality)
                      for f in extraction.figures if f.value_max is None and f.metric),
        lines=tuple(lines),
        signatures=np.array(signatures, dtype=np.uint32).reshape(len(signatures), width),
        sets=tuple(sets))


def body_line_texts(activities: Iterable[Any]) -> dict[tuple[str, int], str]:
    """Each body line's raw text rebuilt from its activities (sentences with raw offsets)."""
    pieces: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for activity in activities:
        pieces[(activity.doc, activity.line)].append((activity.start, activity.text))
    out = {}
    for key, items in pieces.items():
        text = ""
        for start, piece in sorted(items):
            if start > len(text):
                text += " " * (start - len(text))
            text = text[:start] + piece
        out[key] = text
    return out


# --------------------------------------------------------------------------- API


def sort_findings(findings: Iterable[Finding], doc_order: Sequence[str] = ()) -> list[Finding]:
    """Findings grouped by document (in ``doc_order``, then by name), most severe first, then by place."""
    rank = {doc: i for i, doc in enumerate(doc_order)}
    return sorted(findings, key=lambda f: (rank.get(f.doc, len(rank)), f.file, f.doc or "",
                                           SEVERITIES.index(f.severity), f.line or 0, f.start or 0, f.check))


def audit(extractions: Iterable[Any]) -> list[Finding]:
    """Every finding over the given extractions: their per-file findings and the cross-document ones."""
    corpus = CorpusAudit()
    findings: list[Finding] = []
    for extraction in extractions:
        corpus.add(extraction)
        findings.extend(f for f in extraction.findings if f.check not in CORPUS_CHECKS)
    findings.extend(corpus.finish())
    return sort_findings(findings, list(corpus.documents))


def with_corpus_findings(extractions: Iterable[Any]) -> Iterator[Any]:
    """Pass extractions through unchanged, except that the last one also carries the cross-document findings.

    This is how ``reportminer extract`` writes them at the end of a run without holding every file: the
    findings records name their own file and document.
    """
    corpus = CorpusAudit()
    previous = None
    for extraction in extractions:
        corpus.add(extraction)
        if previous is not None:
            yield previous
        previous = extraction
    if previous is not None:
        extra = corpus.finish()
        yield replace(previous, findings=tuple(previous.findings) + tuple(extra)) if extra else previous


def profile_records(extractions: Iterable[Any], findings: Iterable[Finding] | None = None) -> list[Profile]:
    """One ``Profile`` per document; ``findings`` (default: each extraction's own) count the gaps and faults."""
    extractions = list(extractions)
    if findings is None:
        findings = [f for e in extractions for f in e.findings]
    by_doc: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_doc[finding.doc].append(finding)
    round_min = params()["profile.round_min"]
    out = []
    for extraction in extractions:
        figures_by_doc: dict[str, list[Any]] = defaultdict(list)
        for figure in extraction.figures:
            figures_by_doc[figure.doc].append(figure)
        for document in extraction.documents:
            figures = figures_by_doc[document.doc]
            count = len(figures)
            own = by_doc[document.doc]

            def share(predicate) -> float | None:
                return round(sum(1 for f in figures if predicate(f)) / count, 3) if count else None

            out.append(Profile(
                file=document.file, doc=document.doc, title=document.title, kind=document.kind, org=document.org,
                year=document.year, figures=count,
                round_share=share(lambda f: float(f.value) >= round_min and float(f.value) % 10 == 0),
                over_share=share(lambda f: f.qualifier == "over"),
                about_share=share(lambda f: f.qualifier == "about"),
                placeholders=sum(1 for f in own if f.check == "placeholder" and f.severity == "warning"),
                masked=sum(1 for f in own if f.check == "placeholder" and f.severity == "info"),
                errors=sum(1 for f in own if f.severity == "error"),
                warnings=sum(1 for f in own if f.severity == "warning"),
            ))
    return out


def profiles(extractions: Iterable[Any], findings: Iterable[Finding] | None = None):
    """The figure profile of every document as a pandas DataFrame (one row per document)."""
    import pandas as pd

    records = profile_records(extractions, findings)
    columns = [f.name for f in fields(Profile)]
    return pd.DataFrame([r.to_dict() for r in records], columns=columns)
