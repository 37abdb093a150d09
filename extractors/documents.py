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
_NUMBERED = regex.compile(r"(?:篇|范文|之)?\s*[(（]?(\d{1,3}|[一二三四五六七八九十]{1,3})[)）]?$")
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


_CHINESE_YEAR = regex.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")
_OPENING_YEAR = regex.compile(r"(?:在|\D{0,2})?((?:19|20)\d\d)年(?:度)?(?:[,，是里以来]|全年|上半年)")
# The sentence that announces the report names its period: `现将2023年度履职情况报告如下`.
_REPORTED_YEAR = regex.compile(r"(?:现将|现就|特将|下面将|下面就)\D{0,6}?((?:19|20)\d\d|(?:20)?[xX×_＿]{1,4})\s*年"
                               r"[^。;；!！?？]{0,20}?(?:总结|报告|汇报|述职|述廉)如下")
# A sentence that opens with a year and a comma (`2023年，在街道党工委的领导下…`), early in a report that names
# its year nowhere else.
_SENTENCE_YEAR = regex.compile(r"(?:^|[。;；!！?？])\s*((?:19|20)\d\d)年(?:度)?[,，]")
_YEAR_SENTENCE_LINES = 12
_NUMERAL_START = regex.compile(r"[\d一二两三四五六七八九十百千万几数]")
_DIGIT = regex.compile(r"\d")
# Place units below a prefecture: county-level (县, 区, 旗), township (镇, 乡, 集镇) and street office (街道);
# not 社区, 自治区, 小区, 园区, 景区, 病区, 校区, 片区, 乡镇, 城镇, 乡村 ….
_UNIT = r"自治县|县|(?<![社治小园景病校学辖片])区|旗|街道|集镇|(?<![乡城])镇|乡(?![村镇土亲下])"
_TOWNSHIP = regex.compile(r"(?:街道|集镇|镇|乡)$")
# The party committee of a place (`白沙镇党委`, `县委`), or an organisation of it that the report works under
# (`在青石镇卫生院的指导下`): a place so named is the organisation's own.
_AUTHORITY = regex.compile(r"党委|党工委|委")
_UNDER = regex.compile(r"[^,，。;；:：]{1,16}?的?(?:领导|指导|带领|部署|关心|支持|帮助|督导)下")
# A place unit that a name starts with: before two more characters of the name, or ending it (柳湾街道).
_PLACE_UNIT = regex.compile(rf"\p{{Han}}{{2,}}?(?:{_UNIT})(?=\p{{Han}}{{2}}|$)")
# A title field of a page's front matter (`title: 常德市政府工作报告（…）`), and the dash that joins a title
# to its subtitle (`政府工作报告——2026年2月4日在…会议上`).
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


# Words of a title that name its period, not its subject: `上半年`, `年度`, `第三季度`.
_PERIOD = regex.compile(r"[上下]半年|全年|年度|年终|年初|年中|第?[一二三四1-4]季度|暨")


def _subject(text: str) -> str:
    """What a title reports on, without its year, period, kind and numbering: `2023年上半年社区卫生服务中心
    工作总结` and `2023年下半年社区卫生服务中心工作计划` share the subject `社区卫生服务中心`."""
    subject = _PERIOD.sub("", _MASKED_YEAR.sub("", _title_stem(text))).replace(" ", "")
    for word, _ in _kind_words():
        subject = subject.replace(word, "")
    return subject


def _digits(text: str) -> str:
    """Chinese digit runs as Arabic digits, so that 二〇二三年 reads as 2023年."""
    return _CHINESE_YEAR.sub(lambda m: "".join(str(max(0, "〇一二三四五六七八九".find(c))) for c in m.group()), text)


def _session_year(date: regex.Match) -> int:
    """The session year of a congress date (groups: year, month): the next year for a late-year meeting."""
    year, month = int(date.group(1)), int(parse_number(date.group(2)))
    return year + 1 if month in _EARLY_SESSION_MONTHS else year


def _year(title: str | None, lines: tuple[Line, ...]) -> int | None:
    """The year from the title, a session date of a government report, or the opening lines (a line that
    opens with the year, or the sentence announcing the report: `现将2023年度…报告如下`); None if masked."""
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
        found = _OPENING_YEAR.match(head) or _REPORTED_YEAR.search(_digits(line.text))
        if found:
            return int(found.group(1)) if found.group(1).isdigit() else None
    for line in lines[:_YEAR_SENTENCE_LINES]:  # a 述职 opens a paragraph with its year: `2023年，在…领导下`
        found = _SENTENCE_YEAR.search(_digits(line.text))
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


# Words that may stand between a clause boundary and a name: `根据高新区…`, `目前,财源街道…`. A one-character
# preposition (在, 对, 与 …) is cut by its tag instead (see _CUT_TAGS): `和平`, `向阳` are names.
_LEAD_IN = regex.compile(r"^(?:年度|年|根据|按照|依照|配合|协助|联合|目前|现在|今年|去年|现任|担任|起任|作为|我是|本人|我代表|代表)+")
# Tags of words that cannot be part of a proper name: verbs, adverbs, pronouns, particles, idioms …
_NOT_NAME_TAGS = frozenset({"v", "vn", "vd", "d", "p", "c", "r", "u", "uj", "ul", "uz", "ud", "ug", "uv",
                            "ad", "t", "i", "l", "f", "y", "e", "o", "z", "zg", "x"})
_VERB_TAGS = frozenset({"v", "vn", "vd", "p", "c", "r", "u", "uj", "m", "q", "t", "f", "a", "ad"})
_BOUNDARY = regex.compile(r"(?:^|[^\p{Han}])(\p{Han}+)$")
# Place units that jieba may tag oddly when cut off (村 → zg): they never make a name generic.
_PLACE_WORDS = frozenset({"村", "镇", "乡", "县", "区", "旗", "街道"})
# Tags of the function words (prepositions, conjunctions) after which a name starts.
_CUT_TAGS = frozenset({"p", "c"})


def _name_run(prefix: str) -> str | None:
    """The Han run that ends ``prefix``, from a clause boundary and after the last function word in it.

    `石桥村卫生室在青石` → `青石`, `我在柳湾` → `柳湾`, `起担任白沙` → `白沙`: a preposition, a conjunction
    or a lead-in word (担任, 根据 …) ends what comes before it, so the name is what follows."""
    from ..nlp.segment import default_segmenter

    match = _BOUNDARY.search(prefix)
    if not match:
        return None
    run = _LEAD_IN.sub("", match.group(1))
    segmenter = default_segmenter()
    words = segmenter.cut(run)
    cuts = [i for i, word in enumerate(words) if segmenter.tag(word)[0][1] in _CUT_TAGS or _LEAD_IN.fullmatch(word)]
    return "".join(words[cuts[-1] + 1:]) if cuts else run


def _proper_name(prefix: str) -> str | None:
    """The proper name that runs from a clause boundary to the end of ``prefix``, or None if it is generic.

    A region written before the name (`云溪县白沙镇` in `云溪县白沙镇柳林`) is part of it, but only the
    name's own part must not be a generic word (`柳湾街道枫林` is a name, `街道` is not)."""
    from ..nlp.segment import default_segmenter

    name = _name_run(prefix)
    if not name or not 2 <= len(name) <= 12 or _MASK.search(name):
        return None
    stop = _name_stopwords()
    own = _strip_region(name)
    if any(word in own for word in stop if len(word) > 1) or name[0] in stop or own[0] in stop:
        return None
    segmenter = default_segmenter()
    words = segmenter.cut(name)
    if len(words) == 1 and len(name) == 2:
        return None if segmenter.tag(name)[0][1] in _VERB_TAGS else name
    parts = set(words) | {w for word in words if len(word) > 3 for w in segmenter.backend.cut_for_search(word)}
    for part in parts - _PLACE_WORDS:
        tag = segmenter.tag(part)[0][1]
        numeral = tag == "m" and _NUMERAL_START.match(part)
        if tag in _NOT_NAME_TAGS or (numeral and (len(name) < 3 or _DIGIT.search(part))):
            return None
    return name


MIN_ORG_SCORE = 2
# The speaker of a 述职 report names the unit they work in: `现任青石镇卫生院…科长`, `在桂香社区居委会担任主任`.
_SPEAKER = regex.compile(r"(?:现任|担任|起任|任职于|就职于|本人\d*年?在|我在|我代表)$")
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
    """A province, a prefecture, a county and a township or street office written before an organisation's
    own name (all optional), leaving at least two characters of that name."""
    prefecture, _ = _places()
    return regex.compile(rf"(?:\p{{Han}}{{2,8}}?[省区])?(?:{prefecture.pattern})?(?:\p{{Han}}{{2,4}}?县)?"
                         rf"(?:\p{{Han}}{{2,4}}?(?:街道|集镇|镇|乡))?(?=\p{{Han}}{{2}})")


def _strip_region(name: str) -> str:
    """An organisation's own name without the province, city, county or township written before it."""
    found = _region_prefix().match(name)
    return name[found.end():] if found else name


def _place_in_name(written: str) -> str | None:
    """The most specific place unit (county, township, street office) in an organisation's name as written:
    `白沙镇` in `云溪县白沙镇柳林村党支部`, `柳湾街道` in `柳湾街道` itself."""
    simplified, position, last = to_simplified(written), 0, None
    while found := _PLACE_UNIT.match(simplified, position):
        position, last = found.end(), found
    return written[last.start():last.end()] if last else None


Mention = tuple[int, int, str]  # where the name as written starts, where its suffix ends, the org's own name


def _mentions(text: str) -> list[Mention] | None:
    """The proper-named organisations in a text, or None when it names a masked one (`XX社区`).

    A unit written only before another's name (`柳湾街道` in `柳湾街道枫林社区卫生服务站`) is that
    organisation's region, not a mention of its own."""
    found: list[Mention] = []
    for match in _org_suffixes().finditer(text):
        start = match.start()
        if _MASK.search(text[max(0, start - 4):start]):
            return None
        name = _proper_name(text[max(0, start - 12):start])
        if name:
            found.append((start - len(name), match.end(), _strip_region(name) + match.group(1)))
    return [m for m in found if not any(o[0] <= m[0] and o[1] > m[1] for o in found)]


def _organisation(segments: list[Segment], has_title: bool) -> tuple[str | None, str | None]:
    """The reporting organisation as written, and its longest mention with the region written before it.

    The organisation is the proper-named one the text most speaks as. A candidate scores one per mention
    and three more when it opens a sentence or clause or stands in the title (the subject of the report);
    the earliest wins a tie. One passing mention is not enough: an organisation named once inside a
    sentence is one the report speaks of, not as. A masked name (`XX社区`) means the organisation is
    withheld. The name is quoted from the raw line (Traditional stays Traditional), without a province,
    city, county or township written before it.
    """
    scores: dict[str, int] = {}
    quoted: dict[str, str] = {}
    written: dict[str, str] = {}
    for index, (line, offset, text) in enumerate(segments):
        mentions = _mentions(text)
        if mentions is None:
            return None, None
        for start, end, org in mentions:
            before = text[:start]
            opens = bool(_SENTENCE_START.search(before) or _SPEAKER.search(before)) or (has_title and index == 0)
            scores[org] = scores.get(org, 0) + 1 + 3 * opens
            quoted.setdefault(org, line.raw_slice(offset + end - len(org), offset + end))
            as_written = line.raw_slice(offset + start, offset + end)
            written[org] = max(written.get(org, ""), as_written, key=len)
    if has_title and "政府工作报告" in segments[0][2].replace(" ", ""):
        scores = {org: score for org, score in scores.items() if org.endswith("政府")}  # the government reports
    best = max(scores, key=scores.get) if scores else None
    return (quoted[best], written[best]) if best and scores[best] >= MIN_ORG_SCORE else (None, None)


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
    lower = regex.compile(rf"({_UNIT})(?!\p{{Han}}?(?:政府|长))")
    return prefecture, lower


def _place(written: str | None, segments: list[Segment], has_title: bool) -> str | None:
    """The prefecture-level city named for the organisation, else the most specific place name given.

    ``written`` is the organisation's name as written with its region. Names are matched in normalised
    text and quoted from the raw line."""
    prefecture, _ = _places()
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
    return (_place_in_name(written) if written else None) or _place_in_text(segments, has_title)


def _place_in_text(segments: list[Segment], has_title: bool) -> str | None:
    """The county, township or street office the text gives for the organisation: one named twice (the
    title counts twice) or named once for its party committee or for an organisation the report works
    under (`在白沙镇党委、政府的领导下`, `在青石镇卫生院的指导下`), not one a sentence passes through once
    (`赴青石镇开展义诊`, `到云溪县人民医院体检`). The most often named wins; of two named as often, the
    township or street office, which is the more specific."""
    _, lower = _places()
    counts: dict[str, int] = {}
    quoted: dict[str, str] = {}
    for index, (line, offset, text) in enumerate(segments):
        for match in lower.finditer(text):
            name = _proper_name(text[max(0, match.start() - 12):match.start(1)])
            if name:
                place = _strip_region(name) + match.group(1)
                named_for = bool(_AUTHORITY.match(text, match.end(1)) or _UNDER.match(text, match.end(1)))
                counts[place] = counts.get(place, 0) + (2 if (has_title and index == 0) or named_for else 1)
                quoted.setdefault(place, line.raw_slice(offset + match.end(1) - len(place), offset + match.end(1)))
    best = max(counts, key=lambda place: (counts[place], bool(_TOWNSHIP.search(place)))) if counts else None
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
    org, written = _organisation(segments, title_line is not None)
    return DocumentRecord(
        file=raw.path,
        line=title_line.number if title_line else (body[0].number if body else 1),
        doc=f"{stem}#{number}",
        title=title,
        kind=kind,
        year=_year(title_text, ((title_line,) if title_line else ()) + body),
        org=org,
        place=_place(written, segments, title_line is not None),
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
    comes before the first (page header, blurbs). Otherwise the first title opens a document, and so does
    each later title on the same subject (the same title repeated, or the plan after the summary of one
    centre). A title followed by nothing but another title is a page heading.
    """
    titles = [i for i, line in enumerate(lines) if is_title(line.text) and not _is_collection_title(line.text)]
    numbered = [i for i in titles if _NUMBERED.search(lines[i].text) and _title_stem(lines[i].text)]
    if len(numbered) >= 2:
        stems = {}
        for i in numbered:
            stems.setdefault(_title_stem(lines[i].text), []).append(i)
        best = max([*stems.values(), _numbered_run(lines, numbered)], key=len)
        if len(best) >= 2:
            return best
    if not titles:
        return []
    first = titles[0]
    if first > 0 and not _leads(lines, first):
        return []  # a title-like line deep in the text is a heading, not the start of a report
    while first + 1 < len(lines) and (first + 1) in titles:
        first += 1  # a page heading right above the report's own title
    subject = _subject(lines[first].text)
    same = [i for i in titles if i > first and (lines[i].text == lines[first].text
                                                or len(subject) >= 2 and _subject(lines[i].text) == subject)]
    return [first] + same


def _numbered_run(lines: list[Line], numbered: list[int]) -> list[int]:
    """The numbered titles whose numbers run 1, 2, 3 … in page order, whatever their subjects: a page of
    different reports (`街道办副主任述职报告 篇1`, `社区党委书记述职报告 篇2`)."""
    run: list[int] = []
    for i in numbered:
        if int(parse_number(_NUMBERED.search(lines[i].text).group(1))) == len(run) + 1:
            run.append(i)
    return run


def _leads(lines: list[Line], index: int) -> bool:
    """Tell whether only a few short lines (page header) stand before a title."""
    return index <= 3 and all(len(line.text) <= TITLE_MAX_CHARS for line in lines[:index])
