"""Normalise a raw report line for matching, keeping a map from every normalised offset back to the raw line.

What changes: Traditional characters (when the file is Traditional), full-width ASCII and the ideographic
space, the percent variants ``％ ﹪``, full-width punctuation that has an ASCII twin (``，：；（）``), scraper
debris inside Chinese words (a stray ``'`` ``.`` or backtick between two Han characters), Markdown
emphasis and heading marks (``**``, ``## ``) of reports kept as Markdown, leading and
trailing white space and runs of white space. Everything later works on ``Line.text``; records report
``Line.number`` and raw offsets from ``Line.raw_span``.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from .chinese_script import to_simplified

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0xFE6A: ord("%"), 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})

# Characters removed from the normalised text: white space at either end, the second and later
# characters of a white-space run, and debris between two Han characters.
_DROP = regex.compile(r"^\s*#{1,6}\s+|\*\*|^\s+|\s+$|(?<=\s)\s+|(?<=\p{Han})(?<![一二三四五六七八九十])['.`](?=\p{Han})")
# Space-like characters folded before the drops are found; everything else is folded after, so that a
# full-width `．` (deliberate punctuation) is never taken for scraper debris.
_SPACES = {0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20, 0x09: 0x20}


@dataclass(frozen=True, slots=True)
class Line:
    """One raw line and its normalised text, with the offset map between them."""

    number: int
    raw: str
    text: str
    offsets: tuple[int, ...] | None = None  # raw offset of each text char, plus one past the end; None: identity

    def raw_offset(self, index: int) -> int:
        """Map an offset into ``text`` (0..len(text)) to the offset into ``raw``."""
        return index if self.offsets is None else self.offsets[index]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the half-open span of ``raw`` that it was made from."""
        if self.offsets is None:
            return start, end
        if end <= start:
            raw_start = self.offsets[start]
            return raw_start, raw_start
        return self.offsets[start], self.offsets[end - 1] + 1

    def text_index(self, raw: int) -> int:
        """The offset into ``text`` of a raw offset (the first text character at or after it)."""
        if self.offsets is None:
            return min(raw, len(self.text))
        return min(bisect.bisect_left(self.offsets, raw), len(self.text))

    def raw_slice(self, start: int, end: int) -> str:
        """Return the raw text behind a span of ``text``: what records quote back to the user."""
        raw_start, raw_end = self.raw_span(start, end)
        return self.raw[raw_start:raw_end]


def normalise_line(raw: str, number: int, traditional: bool = False) -> Line:
    """Normalise one raw line (``traditional``: the file was found to be Traditional Chinese)."""
    drops = [m.span() for m in _DROP.finditer(raw.translate(_SPACES))]
    text = raw.translate(_FULLWIDTH)
    if traditional:
        text = to_simplified(text)
    if "\t" in text:
        text = text.replace("\t", " ")
    if not drops:
        return Line(number, raw, text)
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for start, end in drops:
        pieces.append(text[position:start])
        offsets.extend(range(position, start))
        position = end
    pieces.append(text[position:])
    offsets.extend(range(position, len(text)))
    offsets.append(len(text) if not offsets else offsets[-1] + 1)
    return Line(number, raw, "".join(pieces), tuple(offsets))
