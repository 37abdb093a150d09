"""The outline of a document: headings by their markers, nested by the order of marker styles (ANNOTATION §2)."""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..nlp.normalise import Line
from .records import Record

_CN = "[一二三四五六七八九十]{1,3}"
# (style, pattern) in order of depth: a style ranks above every style after it.
MARKER_STYLES: tuple[tuple[str, regex.Pattern], ...] = (
    ("cn", regex.compile(rf"{_CN}(?:、|:(?!\d)|\.(?!\d))")),
    ("paren_cn", regex.compile(rf"[(（]{_CN}[)）]")),
    ("arabic", regex.compile(r"\d{1,2}(?:、|\.(?!\d)|,(?!\d))")),
    ("paren_arabic", regex.compile(r"[(（]\d{1,2}[)）]")),
    ("circled", regex.compile(r"[①-⑳]")),
)
ENUMERATOR = regex.compile(rf"(?:{_CN}是(?![一二三四五六七八九十])|首先|其次|再次|再者|最后)")
_RANK = {style: rank for rank, (style, _) in enumerate(MARKER_STYLES)}
_ENUMERATOR_RANK = len(MARKER_STYLES)
_TITLE_END = regex.compile(r"[。;；:：]")
_LEADING_PUNCT = regex.compile(r"^[\s,，、.．:：]+")
# An open marker followed by these is a figure or date, not a heading: `1.8万`, `3、4月份`. A closed marker
# (`（2）`, `②`) cannot run into a number, so `（2）3月24日…` is a heading.
_CLOSED = regex.compile(r"[)）]|[①-⑳]")
_NOT_HEADING_AFTER = regex.compile(r"^\s*(?:\d{1,2}\s*[月日号]|[一二三四五六七八九十]{1,2}月|[月日号年%])")
# `3.` run into digits that are no amount (`3.65岁以上…`, not `2.5万`): item 3 if the open numbering is at 2.
_DOTTED_NUMBER = regex.compile(r"(\d{1,2})\.(?=\d+(?!\d|\.\d|\s*[万亿%‰]|\s*个百分点))")


@dataclass(frozen=True, slots=True)
class Section(Record):
    """One heading: where it stands, how deep it sits, its marker and title (title offsets into the raw line)."""

    file: str
    line: int
    doc: str
    level: int
    marker: str
    title: str
    start: int
    end: int
    path: str


def match_marker(text: str) -> tuple[str, str] | None:
    """Return (style, marker) when a normalised line opens with an outline marker or enumerator."""
    for style, pattern in MARKER_STYLES:
        found = pattern.match(text)
        if found and (_CLOSED.search(found.group()) or not _NOT_HEADING_AFTER.match(text[found.end():])):
            return style, found.group()
    found = ENUMERATOR.match(text)
    if found and len(text) > found.end() and not text[found.end()] in "的个次":
        return "enumerator", found.group()
    return None


def _continued_number(text: str, stack: list[tuple[int, Section, str]]) -> tuple[str, str] | None:
    """("arabic", `N.`) when a line opens with `N.` run into digits and the nearest open Arabic heading is
    `N-1.`: the next item of that list, not a decimal number."""
    found = _DOTTED_NUMBER.match(text)
    heading = next((section for _, section, family in reversed(stack) if family == "arabic"), None)
    if not found or heading is None or heading.marker[-1:] not in ".．":
        return None
    previous = regex.match(r"\d+", heading.marker)
    if previous is None or int(previous.group()) != int(found.group(1)) - 1:
        return None
    return "arabic", found.group()


def _title_span(text: str, marker_end: int) -> tuple[int, int]:
    """The title after the marker: up to the first 。;；:： or the end of the line."""
    lead = _LEADING_PUNCT.match(text[marker_end:])
    start = marker_end + (lead.end() if lead else 0)
    stop = _TITLE_END.search(text, start)
    end = stop.start() if stop else len(text)
    while end > start and text[end - 1] in " ,，、":
        end -= 1
    return start, end


def _enumerator_family(marker: str) -> str:
    """Enumerators of one family continue each other (一是, 二是); another family nests below (首先 under 四是)."""
    if marker.endswith("是"):
        return "shi"
    return "sequence"


def path_of(open_sections: tuple[Section, ...]) -> str:
    """The markers of the headings a line sits under, outermost first: `一、 > (二) > 1、`."""
    return " > ".join(section.marker for section in open_sections)


def outline(doc_id: str, file: str, lines: tuple[Line, ...]) -> tuple[list[Section], dict[int, tuple[Section, ...]]]:
    """Headings of a document and, for every body line number, the headings it sits under."""
    sections: list[Section] = []
    under: dict[int, tuple[Section, ...]] = {}
    stack: list[tuple[int, Section, str]] = []  # (rank, heading, family) of open headings, outermost first
    for line in lines:
        found = match_marker(line.text) or _continued_number(line.text, stack)
        if found:
            style, marker_text = found
            if style == "enumerator":
                family = _enumerator_family(marker_text)
                if marker_text == "最后" and stack and stack[-1][2] in ("shi", "sequence"):
                    family = stack[-1][2]  # 最后 closes whatever enumeration is open
                elif marker_text in ("再次", "再者") and not any(f == "sequence" for _, _, f in stack):
                    under[line.number] = tuple(s for _, s, _ in stack)
                    continue  # 再次 without 首先/其次 before it means "once again"
                rank = _ENUMERATOR_RANK + len(stack)
                if any(f == family for _, _, f in stack):
                    while stack[-1][2] != family:
                        stack.pop()
                    rank = stack.pop()[0]
            else:
                family = style
                rank = _RANK[style]
                while stack and stack[-1][0] >= rank:
                    stack.pop()
            start, end = _title_span(line.text, len(marker_text))
            raw_start, raw_end = line.raw_span(start, end)
            marker = line.raw_slice(0, len(marker_text))
            section = Section(
                file=file, line=line.number, doc=doc_id, level=len(stack) + 1, marker=marker,
                title=line.raw[raw_start:raw_end], start=raw_start, end=raw_end,
                path=path_of(tuple(s for _, s, _ in stack)) + (" > " if stack else "") + marker,
            )
            stack.append((rank, section, family))
            sections.append(section)
        under[line.number] = tuple(s for _, s, _ in stack)
    return sections, under
