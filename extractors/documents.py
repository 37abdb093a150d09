"""Split a file's lines into documents, drop page furniture, and read each document's title, kind, year,
organisation and place (ANNOTATION.md §1)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePath

import regex

from ..nlp.normalise import Line, normalise_line
from ..nlp.numerals import parse_number
from ..nlp.chinese_script import is_traditional, to_simplified
from ..nlp.reading import RawText
from ..nlp.patterns import word_alternation
from ..nlp.resources import data_table, data_words
from .records import Record
from .sections import match_marker

# A title is short, has no sentence punctuation and names a kind of report.
TITLE_MAX_CHARS = 40
_SENTENCE_PUNCT = regex.compile(r"[。;；!！?？]|[,，].*[,，]")
# A title numbered within a page: `…总结 篇3`, `…计划4`, `…报告(2)`, `…总结 范文三`.
_NUMBERED = regex.compile(r"(?:篇|范文|之)?\s*[(（]?(?:\d{1,3}|[一二三四五六七八九十]{1,3})[)）]?$")
_COLLECTION = regex.compile(r"\d+篇|[一二三四五六七八九十]+篇|篇目|大全|精选|范文$|合集")
_YEAR = regex.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*年|\s*年度)?")
_MASKED_YEAR = regex.compile(r"(?:20|19)?[xX×_＿]{2,}\s*年|20[xX×_＿]{1,2}\s*年|_+年")
_SESSION_YEAR = regex.compile(
    r"((?:19|20)\d\d)年([\d一二三四五六七八九十]{1,3})月[\d一二三四五六七八九十]{1,3}日.{0,80}(?:人民代表大会|人代会)")
_TITLE_DATE = regex.compile(r"((?:19|20)\d\d)年([\d一二三四五六七八九十]{1,3})月[\d一二三四五六七八九十]{1,3}日")
# A people's congress that meets in November or December holds the next year's session: the report is
# that year's (2022年12月29日在…第二次会议上 → the 2023 report).
_EARLY_SESSION_MONTHS = (11, 12)
_MASK = regex.compile(r"[xX×＊*_＿□○]{2,}|某")
_OPENING_LINES = 3


@dataclass(frozen=True, slots=True)
class DocumentRecord(Record):
    """One report found in a file: where its title is and what the title and text say about it."""

    file: str
    line: int
    doc: str
    title: str | None
    kind: str
    year: int | None
    org: str | None
    place: str | None
    encoding: str
    format: str
    body_lines: int


@dataclass(frozen=True, slots=True)
class Document:
    """A document's normalised lines (title apart) with its record; later stages add layers over it."""

    record: DocumentRecord
    title_line: Line | None
    lines: tuple[Line, ...]

    @property
    def id(self) -> str:
        """The document id ``<file stem>#<n>``."""
        return self.record.doc

    @property
    def file(self) -> str:
        """The input path as given."""
        return self.record.file

    @property
    def kind(self) -> str:
        """summary, plan or report."""
        return self.record.kind


@functools.cache
def _furniture() -> tuple[regex.Pattern, ...]:
    """Patterns of page furniture lines (data: furniture.tsv)."""
    return tuple(regex.compile(row["pattern"]) for row in data_table("furniture.tsv"))


_FURNITURE_TAIL = regex.compile(r"相关(?:文章|推荐|阅读|范文)|热门(?:文章|推荐)|猜你喜欢|延伸阅读|更多(?:文章|范文)")


@functools.cache
def _kind_words() -> tuple[tuple[str, str], ...]:
    """(word, kind) pairs, longest word first (data: document_kinds.tsv)."""
    rows = [(row["word"], row["kind"]) for row in data_table("document_kinds.tsv")]
    return tuple(sorted(rows, key=lambda pair: -len(pair[0])))


def is_furniture(text: str) -> bool:
    """Tell whether a normalised line is page furniture (breadcrumbs, blurbs, counters, link lists)."""
    return any(pattern.search(text) for pattern in _furniture())


def kind_of(title: str) -> str | None:
    """The kind named by a title: the earliest kind word in it wins."""
    best: tuple[int, str] | None = None
    for word, kind in _kind_words():
        position = title.find(word)
        if position >= 0 and (best is None or position < best[0]):
            best = (position, kind)
    return best[1] if best else None


# A title field of a page's front matter (`title: 常德市政府工作报告（…）`), and the dash that joins a title
# to its subtitle (`政府工作报告——2026年2月4日在…会议上`).
_CHINESE_YEAR = regex.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
_OPENING_YEAR = regex.compile(r"(?:在|\D{0,2})?((?:19|20)\d\d)年(?:度)?(?:[,，是里以来]|全年|上半年)")
_NUMERAL_START = regex.compile(r"[\d一二两三四五六七八九十百千万几数]")
_DIGIT = regex.compile(r"\d")
_COUNTY_LEAD = regex.compile(r"\p{Han}{2,}?(?:自治县|县|(?<!社)区|集镇|镇|乡|旗)(?=\p{Han}{2})")
_TITLE_FIELD = regex.compile(r"^(?:title|标题)\s*[:：]\s*")
_SUBTITLE = regex.compile(r"\s*(?:——|--|—)")


def title_span(text: str) -> tuple[int, int]:
    """The span of the title proper in a title line: without a `title:` field name or a `——` subtitle."""
    field = _TITLE_FIELD.match(text)
    start = field.end() if field else 0
    dash = _SUBTITLE.search(text, start + 2)
    return start, dash.start() if dash else len(text)


def is_title(text: str) -> bool:
    """Tell whether a normalised line reads as a report title."""
    start, end = title_span(text)
    text = text[start:end].replace(" ", "")
    if not text or len(text) > TITLE_MAX_CHARS or _SENTENCE_PUNCT.search(text):
        return False
    if text.endswith((":", "：")) or match_marker(text) is not None:
        return False
    return kind_of(text) is not None


def _is_collection_title(text: str) -> bool:
    """A page's own heading that counts the reports it holds (`社区卫生工作总结14篇`)."""
    return bool(_COLLECTION.search(text))


def _title_stem(text: str) -> str:
    """A title without its page numbering, to recognise the next report of the same page."""
    stem = _NUMBERED.sub("", text).strip()
    return _YEAR.sub("", stem).strip()


def _digits(text: str) -> str:
    """Chinese digit runs as Arabic digits, so that 二〇二三年 reads as 2023年."""
    return _CHINESE_YEAR.sub(lambda m: "".join(str(max(0, "〇一二三四五六七八九".find(c))) for c in m.group()), text)


def _session_year(date: regex.Match) -> int:
    """The session year of a congress date (groups: year, month): the next year for a late-year meeting."""
    year, month = int(date.group(1)), int(parse_number(date.group(2)))
    return year + 1 if month in _EARLY_SESSION_MONTHS else year


def _year(title: str | None, lines: tuple[Line, ...]) -> int | None:
    """The year from the title, a session date of a government report, or the opening lines; None if masked."""
    for text in ([_digits(title)] if title else []):
        if _MASKED_YEAR.search(text):
            return None
        dated = _TITLE_DATE.search(text) if "工作报告" in text else None
        if dated:
            return _session_year(dated)
        found = _YEAR.search(text)
        if found:
            return int(found.group(1))
    for line in lines[:8]:
        session = _SESSION_YEAR.search(_digits(line.text))
        if session:
            return _session_year(session)
    for line in lines[:_OPENING_LINES]:
        head = line.text[:12]
        if _MASKED_YEAR.search(head):
            return None
        found = _OPENING_YEAR.match(head)
        if found:
            return int(found.group(1))
    return None


@functools.cache
def _org_suffixes() -> regex.Pattern:
    """One pattern: a candidate proper name followed by an organisation suffix (data: organisations.tsv)."""
    suffixes = [row["suffix"] for row in data_table("organisations.tsv")]
    return regex.compile("((?:" + word_alternation(suffixes) + ")+)")  # 梧桐街道社区卫生服务中心: a chain


@functools.cache
def _name_stopwords() -> frozenset[str]:
    """Words that make a generic noun, not a proper name (data: name_stopwords.txt)."""
    return frozenset(data_words("name_stopwords.txt"))


# Words that may stand between a clause boundary and a name: `根据高新区…`, `目前,财源街道…`.
_LEAD_IN = regex.compile(r"^(?:年度|年|根据|按照|依照|在|对|由|为|与|和|向|从|经|据|配合|协助|联合|目前|现在|今年|去年|现任|担任|作为|我是|本人|我代表|代表)+")
# Tags of words that cannot be part of a proper name: verbs, adverbs, pronouns, particles, idioms …
_NOT_NAME_TAGS = frozenset({"v", "vn", "vd", "d", "p", "c", "r", "u", "uj", "ul", "uz", "ud", "ug", "uv",
                            "ad", "t", "i", "l", "f", "y", "e", "o", "z", "zg", "x"})
_VERB_TAGS = frozenset({"v", "vn", "vd", "p", "c", "r", "u", "uj", "m", "q", "t", "f", "a", "ad"})
_BOUNDARY = regex.compile(r"(?:^|[^\p{Han}])(\p{Han}+)$")


def _proper_name(prefix: str) -> str | None:
    """The proper name that runs from a clause boundary to the end of ``prefix``, or None if it is generic."""
    from ..nlp.segment import default_segmenter

    match = _BOUNDARY.search(prefix)
    if not match:
        return None
    name = _LEAD_IN.sub("", match.group(1))
    if not 2 <= len(name) <= 12 or _MASK.search(name):
        return None
    stop = _name_stopwords()
    if any(word in name for word in stop if len(word) > 1) or name[0] in stop:
        return None
    segmenter = default_segmenter()
    words = segmenter.cut(name)
    if len(words) == 1 and len(name) == 2:
        return None if segmenter.tag(name)[0][1] in _VERB_TAGS else name
    parts = set(words) | {w for word in words if len(word) > 3 for w in segmenter.backend.cut_for_search(word)}
    for part in parts:
        tag = segmenter.tag(part)[0][1]
        numeral = tag == "m" and _NUMERAL_START.match(part)
        if tag in _NOT_NAME_TAGS or (numeral and (len(name) < 3 or _DIGIT.search(part))):
            return None
    return name


MIN_ORG_SCORE = 2
# The speaker of a 述职 report names the unit they work in: `现任青石镇卫生院…科长`, `在桂香社区居委会担任主任`.
_SPEAKER = regex.compile(r"(?:现任|担任|任职于|就职于|本人\d*年?在|我在|我代表)$")
# A prefecture-level city is the document's place when it has at least this share of the city mentions:
# a provincial report names many cities, none of them its own.
MIN_PLACE_SHARE = 0.5
_SENTENCE_START = regex.compile(r"(?:^|[。;；!！?？,，:：])\s*$")


Segment = tuple[Line, int, str]  # a line, the offset of the text in it, and the normalised text


def _segments(title_line: Line | None, lines: tuple[Line, ...]) -> list[Segment]:
    """The title proper (when there is one) and every body line, for the searches below."""
    out: list[Segment] = []
    if title_line:
        start, end = title_span(title_line.text)
        out.append((title_line, start, title_line.text[start:end]))
    return out + [(line, 0, line.text) for line in lines]


@functools.cache
def _region_prefix() -> regex.Pattern:
    """A province, a prefecture and a county written before an organisation's own name (all optional)."""
    prefecture, _ = _places()
    return regex.compile(rf"(?:\p{{Han}}{{2,8}}?[省区])?(?:{prefecture.pattern})?(?:\p{{Han}}{{2,4}}?县)?")


def _strip_region(name: str) -> str:
    """An organisation's own name without the province, city or county written before it."""
    found = _region_prefix().match(name)
    return name[found.end():] if found and found.end() and len(name) - found.end() >= 2 else name


def _organisation(segments: list[Segment], has_title: bool) -> str | None:
    """The reporting organisation as written: the proper-named organisation the text most speaks as.

    A candidate scores one per mention and three more when it opens a sentence or clause or stands in
    the title (the subject of the report); the earliest wins a tie. One passing mention is not enough:
    an organisation named once inside a sentence is one the report speaks of, not as. A masked name
    (`XX社区`) means the organisation is withheld. The name is quoted from the raw line (Traditional
    stays Traditional), without a province or city written before it.
    """
    pattern = _org_suffixes()
    scores: dict[str, int] = {}
    quoted: dict[str, str] = {}
    for index, (line, offset, text) in enumerate(segments):
        for match in pattern.finditer(text):
            start = match.start()
            if _MASK.search(text[max(0, start - 4):start]):
                return None
            name = _proper_name(text[max(0, start - 12):start])
            if name:
                org = _strip_region(name) + match.group(1)
                before = text[:start - len(name)]
                opens = bool(_SENTENCE_START.search(before) or _SPEAKER.search(before)) or (has_title and index == 0)
                scores[org] = scores.get(org, 0) + 1 + 3 * opens
                quoted.setdefault(org, line.raw_slice(offset + match.end() - len(org), offset + match.end()))
    if has_title and "政府工作报告" in segments[0][2].replace(" ", ""):
        scores = {org: score for org, score in scores.items() if org.endswith("政府")}  # the government reports
    best = max(scores, key=scores.get) if scores else None
    return quoted[best] if best and scores[best] >= MIN_ORG_SCORE else None


@functools.cache
def _provinces() -> regex.Pattern:
    """Provincial-level names (a report of a province has no place of its own)."""
    names = [row["name"] for row in data_table("places.tsv") if row["level"] == "province"]
    return regex.compile(word_alternation(names))


@functools.cache
def _places() -> tuple[regex.Pattern, regex.Pattern]:
    """Patterns of prefecture-level places (and municipalities), and of lower-level place names."""
    names = [row["name"] for row in data_table("places.tsv") if row["level"] in ("prefecture", "municipality")]
    prefecture = regex.compile(word_alternation(names))
    lower = regex.compile(r"(自治县|县|(?<!社)区|集镇|镇|乡(?![村镇土亲下])|旗)(?!\p{Han}{0,1}(?:委|政府|长))")
    return prefecture, lower


def _place(org: str | None, segments: list[Segment], has_title: bool) -> str | None:
    """The prefecture-level city named for the organisation, else the most specific place name given.

    Names are matched in normalised text and quoted from the raw line."""
    prefecture, lower = _places()
    if has_title and _provinces().search(segments[0][2]) and not prefecture.search(segments[0][2]):
        return None  # a provincial report: a province alone is not a place
    cities: dict[str, int] = {}
    quoted: dict[str, str] = {}
    provinces = sum(len(_provinces().findall(text)) for _, _, text in segments)
    for line, offset, text in segments:
        for found in prefecture.finditer(text):
            cities[found.group()] = cities.get(found.group(), 0) + 1
            quoted.setdefault(found.group(), line.raw_slice(offset + found.start(), offset + found.end()))
    if provinces > max(cities.values(), default=0):
        return None  # the text speaks as a province: a province alone is not a place
    if cities:
        best = max(cities, key=cities.get)
        if cities[best] / sum(cities.values()) >= MIN_PLACE_SHARE:
            return quoted[best]
        return None
    simplified = to_simplified(org) if org else ""  # org is quoted as written: maybe Traditional
    in_org = _COUNTY_LEAD.match(simplified)
    if in_org:
        return org[:in_org.end()]
    counts: dict[str, int] = {}
    for index, (line, offset, text) in enumerate(segments):
        for match in lower.finditer(text):
            name = _proper_name(text[max(0, match.start() - 12):match.start(1)])
            if name:
                place = name + match.group(1)
                counts[place] = counts.get(place, 0) + (2 if has_title and index == 0 else 1)
                quoted.setdefault(place, line.raw_slice(offset + match.end(1) - len(place), offset + match.end(1)))
    best = max(counts, key=counts.get) if counts else None
    return quoted[best] if best and counts[best] >= 2 else None


def _doc_record(raw: RawText, number: int, title_line: Line | None, body: tuple[Line, ...]) -> DocumentRecord:
    """Read a document's fields from its title line and body."""
    stem = PurePath(raw.path).stem if raw.path != "-" else "stdin"
    title = title_text = None
    if title_line:
        start, end = title_span(title_line.text)
        title = title_line.raw_slice(start, end).strip()
        title_text = title_line.text[start:end]
    kind = (kind_of(title_text) if title_text else None) or _kind_from_body(body)
    segments = _segments(title_line, body)
    org = _organisation(segments, title_line is not None)
    return DocumentRecord(
        file=raw.path,
        line=title_line.number if title_line else (body[0].number if body else 1),
        doc=f"{stem}#{number}",
        title=title,
        kind=kind,
        year=_year(title_text, ((title_line,) if title_line else ()) + body),
        org=org,
        place=_place(org, segments, title_line is not None),
        encoding=raw.encoding,
        format=raw.format,
        body_lines=len(body),
    )


_BODY_KIND = ((regex.compile(r"(?:计划|打算|安排|要点|思路)(?:如下|是)|工作计划|明年(?:工作)?(?:的)?主要"), "plan"),
              (regex.compile(r"人民代表大会|各位代表"), "report"))


def _kind_from_body(body: tuple[Line, ...]) -> str:
    """The kind of an untitled document from its opening lines: a plan or a government report says so;
    anything else reporting on work done (总结如下, 汇报如下) is a summary."""
    opening = "".join(line.text for line in body[:_OPENING_LINES])
    for pattern, kind in _BODY_KIND:
        if pattern.search(opening):
            return kind
    return "summary"


def normalised_lines(raw: RawText) -> list[Line]:
    """Normalise every line of a file (Traditional converted when the file is Traditional)."""
    traditional = is_traditional("".join(raw.lines[:200]))
    return [normalise_line(text, number, traditional) for number, text in enumerate(raw.lines, 1)]


def split_documents(raw: RawText) -> list[Document]:
    """Split a file into documents, dropping blank lines and page furniture."""
    lines = [line for line in normalised_lines(raw) if line.text]
    kept: list[Line] = []
    for line in lines:
        if _FURNITURE_TAIL.search(line.text) and len(line.text) <= TITLE_MAX_CHARS:
            break  # a related-articles list: the rest of the page is links
        if not is_furniture(line.text):
            kept.append(line)
    starts = _title_starts(kept)
    documents: list[Document] = []
    if not starts:
        body = tuple(kept)
        return [Document(_doc_record(raw, 1, None, body), None, body)] if body else []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(kept)
        body = tuple(kept[start + 1:end])
        documents.append(Document(_doc_record(raw, index + 1, kept[start], body), kept[start], body))
    return documents


def _title_starts(lines: list[Line]) -> list[int]:
    """Indexes of the lines that open documents.

    A page that numbers its reports (`篇1`, `计划2`) opens a document at each numbered title and drops what
    comes before the first (page header, blurbs). Otherwise the first title opens the only document,
    unless the same title repeats. A title followed by nothing but another title is a page heading.
    """
    titles = [i for i, line in enumerate(lines) if is_title(line.text) and not _is_collection_title(line.text)]
    numbered = [i for i in titles if _NUMBERED.search(lines[i].text) and _title_stem(lines[i].text)]
    if len(numbered) >= 2:
        stems = {}
        for i in numbered:
            stems.setdefault(_title_stem(lines[i].text), []).append(i)
        best = max(stems.values(), key=len)
        if len(best) >= 2:
            return best
    if not titles:
        return []
    first = titles[0]
    if first > 0 and not _leads(lines, first):
        return []  # a title-like line deep in the text is a heading, not the start of a report
    while first + 1 < len(lines) and (first + 1) in titles:
        first += 1  # a page heading right above the report's own title
    same = [i for i in titles if i > first and lines[i].text == lines[first].text]
    return [first] + same


def _leads(lines: list[Line], index: int) -> bool:
    """Tell whether only a few short lines (page header) stand before a title."""
    return index <= 3 and all(len(line.text) <= TITLE_MAX_CHARS for line in lines[:index])
