"""Activities: each body line split into sentences and list items, each classified into the taxonomy.

All sentences of a document and the titles of its headings are classified in one batch by the shipped
model (``nlp.classify.shipped_model``); the keyword scorer stands in only when no model ships. Heading
context: a sentence that is not confidently an activity of its own (top probability below the model's
threshold, or `general`) takes the activity the other sentences of its paragraph report, else the class
of its nearest heading that is confidently an activity (innermost first, the line's own heading excluded),
at half that heading's confidence: a structural heading (存在的问题, 下一步打算 …) is passed over, so the
problems of a training section are training problems. A line that stands alone and is confidently
`general` stays `general`: a heading with no text of its own, or one of the lines that close a document
(the last lines that are all confidently `general`: 以上报告, the signature, the date). With no context, a
sentence keeps its own top class down to ``FLOOR``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import regex

from ..nlp.classify import FALLBACK, classify_by_keywords, shipped_model
from .records import Record
from .sections import path_of

_SENTENCE = regex.compile(r"[^。;；!！?？]+[。;；!！?？]*")
MIN_CHARS = 4
# A sentence with no confident class and no context keeps its top class down to this probability. Why 0.25:
# out of fold on the training set, the top class of sentences below 0.25 is right about a quarter of the
# time (``reportminer train`` prints the sweep), no better than answering `general`; above it the top
# class beats `general`, which in a report is the right answer only for openings, closings and asides.
FLOOR = 0.25
CONTEXT_DISCOUNT = 0.5  # a class taken from the heading is reported at half the heading's confidence


class Result(NamedTuple):
    """What the classifier says of one text: its top class, that class's probability, whether it reached
    the model's threshold, and the probability of `general` (reported when the answer falls back to it)."""

    category: str
    confidence: float
    confident: bool
    general: float


@dataclass(frozen=True, slots=True)
class Activity(Record):
    """One sentence or list item of a body line with its category."""

    file: str
    line: int
    doc: str
    text: str
    start: int
    end: int
    category: str
    confidence: float
    section: str


def sentences(text: str) -> list[tuple[int, int]]:
    """Half-open spans of the sentences of a normalised line (short fragments join the previous one)."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        if spans and len(text[start:end].strip()) < MIN_CHARS:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def text_of(line, raw_start: int, raw_end: int) -> str:
    """The normalised text behind a raw span of a line (the inverse of ``Line.raw_span``)."""
    size = len(line.text)
    start = next((i for i in range(size + 1) if line.raw_offset(i) >= raw_start), size)
    end = next((i for i in range(start, size + 1) if line.raw_offset(i) >= raw_end), size)
    return line.text[start:end]


def _title_text(line, section) -> str:
    """The normalised text of a heading's title (sections keep raw offsets)."""
    return text_of(line, section.start, section.end) or line.text


def _keyword_batch(texts: list[str]) -> list[Result]:
    """Results by the keyword rules: confident when any keyword was found."""
    out = []
    for text in texts:
        category, confidence = classify_by_keywords(text)
        out.append(Result(category, confidence, confidence > 0, confidence if category == FALLBACK else 0.0))
    return out


def classify_batch(texts: list[str]) -> list[Result]:
    """The result for each text, by the shipped model or else the keyword rules.

    The category is the model's top class whatever its probability; `confident` says it reached the
    model's threshold.
    """
    model = shipped_model()
    if model is None:
        return _keyword_batch(texts)
    if not texts:
        return []
    proba = model.predict_proba(texts)
    general = model.classes.index(FALLBACK)
    return [Result(model.classes[index], round(float(row[index]), 3), bool(row[index] >= model.threshold),
                   round(float(row[general]), 3))
            for row, index in zip(proba, proba.argmax(axis=1))]


def _paragraph_classes(pending: list[tuple], results: list[Result]) -> dict[int, tuple[str, float]]:
    """For each line, the activity its confident sentences report (summed confidence), if any.

    The class with the largest summed confidence wins; it is reported with its best sentence's confidence.
    A sentence of a paragraph that has no activity of its own (an opening clause, a result, a
    comment) belongs to the activity the rest of the paragraph reports.
    """
    scores: dict[int, dict[str, list[float]]] = {}
    for (line, *_), (category, confidence, confident, _) in zip(pending, results):
        if confident and category != FALLBACK:
            scores.setdefault(line.number, {}).setdefault(category, []).append(confidence)
    best = {number: max(per_line.items(), key=lambda item: sum(item[1])) for number, per_line in scores.items()}
    return {number: (category, max(confidences)) for number, (category, confidences) in best.items()}


def _closing_lines(pending: list[tuple], results: list[Result]) -> set[int]:
    """The lines that close a document: the last lines whose every sentence is confidently `general`
    (以上报告，请审议; the signature; the date). They belong to no section's activity."""
    general_only: dict[int, bool] = {}
    for (line, *_), result in zip(pending, results):
        general_only[line.number] = general_only.get(line.number, True) and result.confident and \
            result.category == FALLBACK
    closing: set[int] = set()
    for number in sorted(general_only, reverse=True):
        if not general_only[number]:
            break
        closing.add(number)
    return closing


def _decide(result: Result, paragraph: tuple[str, float] | None, headings: list[Result],
            stands_alone: bool = False) -> tuple[str, float]:
    """The category of one sentence: its own class when confidently an activity (or confidently `general`
    when it stands alone: a heading line with no text of its own, 取得的成绩, or a closing line, 述职人：…),
    else its paragraph's, else its nearest confident heading's that is an activity, else its own top class
    down to ``FLOOR``, else `general`."""
    category, confidence, confident, general = result
    if confident and (category != FALLBACK or stands_alone):
        return category, confidence
    if paragraph is not None:
        return paragraph[0], round(paragraph[1] * CONTEXT_DISCOUNT, 3)
    for h_category, h_confidence, h_confident, _ in reversed(headings):
        if h_confident and h_category != FALLBACK:  # a structural heading (存在的问题) is no topic: look further up
            return h_category, round(h_confidence * CONTEXT_DISCOUNT, 3)
    if category != FALLBACK and confidence >= FLOOR:
        return category, confidence
    return FALLBACK, general


def find_activities(document, under: dict[int, tuple]) -> list[Activity]:
    """Split every body line of a document into activities and classify them in one batch with heading context."""
    by_number = {line.number: line for line in document.lines}
    titles: dict[int, str] = {}  # heading line number → normalised title
    pending: list[tuple] = []  # (line, start, end, headings, headings above the line)
    for line in document.lines:
        headings = under.get(line.number, ())
        for heading in headings:
            if heading.line not in titles and heading.line in by_number:
                titles[heading.line] = _title_text(by_number[heading.line], heading)
        context = tuple(h for h in headings if h.line != line.number and h.line in titles)
        for start, end in sentences(line.text):
            pending.append((line, start, end, headings, context))
    results = classify_batch(list(titles.values()) + [line.text[start:end] for line, start, end, _, _ in pending])
    heading_result = dict(zip(titles, results))

    sentence_results = results[len(titles):]
    paragraph = _paragraph_classes(pending, sentence_results)
    activities: list[Activity] = []
    sentences_of: dict[int, int] = {}
    for line, *_ in pending:
        sentences_of[line.number] = sentences_of.get(line.number, 0) + 1
    closing = _closing_lines(pending, sentence_results)
    for (line, start, end, headings, context), result in zip(pending, sentence_results):
        stands_alone = line.number in closing or (
            sentences_of[line.number] == 1 and bool(headings) and headings[-1].line == line.number)
        category, confidence = _decide(result, paragraph.get(line.number), [heading_result[h.line] for h in context],
                                       stands_alone)
        raw_start, raw_end = line.raw_span(start, end)
        activities.append(Activity(
            file=document.file, line=line.number, doc=document.id, text=line.raw[raw_start:raw_end],
            start=raw_start, end=raw_end, category=category, confidence=confidence, section=path_of(headings),
        ))
    return activities
