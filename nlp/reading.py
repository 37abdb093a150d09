"""Turn report files (txt/md, html, docx, pdf, or stdin bytes) into numbered lines of text.

Everything that can go wrong with one input file ends in a single ReadError that names the file
(and the line, where there is one), says what is wrong and, where possible, what to do about it.
Line numbers are those an editor or ``wc -l`` shows: lines are split on CRLF, LF and CR only.

txt: a BOM (utf-8-sig, utf-16) decides; else strict UTF-8; else GB18030 or Big5, whichever gives the
larger share of common Chinese characters.  Files without a BOM containing NUL bytes (so also
BOM-less UTF-16) are "binary".  html: see _read_html.  docx: one line per paragraph, tables in place;
headers, footers, footnotes, comments and text boxes are not read.  pdf: pypdf's text per page.
iter_inputs walks folders in sorted name order, skips hidden entries ('.x') and Office lock files
('~$x'), keeps only SUPPORTED_SUFFIXES inside folders, and passes explicit files and '-' through.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from .errors import ReadError

__all__ = [
    "MAX_LINE_CHARS",
    "SUPPORTED_SUFFIXES",
    "RawText",
    "iter_inputs",
    "read_bytes",
    "read_path",
]

# Suffixes read when a folder is expanded (a README.md beside reports is not a report; name it to read it).
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".text", ".html", ".htm", ".docx", ".pdf"})
MAX_LINE_CHARS: int = 1_000_000

_FORMATS = ("txt", "html", "docx", "pdf")
_SUFFIX_FORMAT = {".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
_SNIFF_BYTES = 8192  # binary detection looks at this much of the start of the file
_DOCX_HINT = "pip install 'reportminer[docx]'"
_PDF_HINT = "pip install 'reportminer[pdf]'"

# C0 control bytes that do not occur in text files (TAB, LF, VT, FF, CR, ESC and 0x1c-0x1f are allowed).
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B)])
_ASCII_BYTES = bytes(range(0x80))
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that 'surrogateescape' could not decode

# ~430 most frequent Simplified characters (plus report vocabulary) and the Traditional forms of
# those that differ.  Used only to choose between GB18030 and Big5 when both decode without error:
# Big5 bytes read as GB18030 (or the reverse) give rare characters, kana and symbols instead.
_COMMON_HANZI = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于"
    "着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还"
    "进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情"
    "明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或"
    "新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太"
    "量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基"
    "眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交"
    "规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济"
    "车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "项推落健康卫疫苗亿升续施划况措织培训革创质标档案居余份這個們來國說時會對於過發後"
    "種經麼學現當沒動還進樣開從實軍無與長機關點業將兩間問並應戰頭體見產話內給門兒東聲"
    "員論處義幾認條氣題爾別變總電數報結務場計資許統區隊決馬書則聽卻達強難權設記類據邊"
    "張該規萬覺術領確傳師觀讓識帶導爭運飛風乾聯組濟車親極辦議證轉準遠臺單羅愛擊備連調"
    "項衛億續劃況織訓創質標檔餘為眾裡群"
)


@dataclass(frozen=True)
class RawText:
    """A file's text as read: its lines (without line endings), 1-based numbering is index+1."""

    path: str  # the path as given by the user ('-' for stdin)
    lines: tuple[str, ...]
    encoding: str  # 'utf-8', 'utf-8-sig', 'gb18030', 'big5', 'utf-16', or 'docx' / 'pdf' / 'html:<enc>'
    format: str  # 'txt' | 'html' | 'docx' | 'pdf'


# --------------------------------------------------------------------------- public API


def read_path(path: str | os.PathLike) -> RawText:
    """Read one file (by suffix: .html/.htm, .docx, .pdf, else text; '-' = stdin); raises only ReadError."""
    name = os.fsdecode(os.fspath(path))
    if name == "-":
        return read_bytes(sys.stdin.buffer.read(), "-")
    fmt = _SUFFIX_FORMAT.get(os.path.splitext(name)[1].lower(), "txt")
    try:
        with open(name, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ReadError(name, "no such file") from None
    except IsADirectoryError:
        raise ReadError(name, "is a directory, not a file (pass folders through iter_inputs to expand them)") from None
    except PermissionError:
        raise ReadError(name, "permission denied; check the file's read permission") from None
    except OSError as exc:
        raise ReadError(name, f"cannot read file ({exc.strerror or exc})") from None
    return read_bytes(data, name, fmt)


def read_bytes(data: bytes, path: str, fmt: str = "txt") -> RawText:
    """Turn one input's bytes (fmt 'txt'|'html'|'docx'|'pdf') into RawText; path only labels results/errors."""
    if fmt not in _FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(_FORMATS)}")
    data = bytes(data)
    if not data or data.isspace():
        raise ReadError(path, "file is empty")
    if fmt == "txt":
        text, encoding = _decode_text(data, path)
        if text.isspace():
            raise ReadError(path, "file is empty")
        raw = RawText(path, _split_lines(text), encoding, "txt")
    elif fmt == "html":
        raw = _read_html(data, path)
    elif fmt == "docx":
        raw = _read_docx(data, path)
    else:
        raw = _read_pdf(data, path)
    _check_long_lines(raw.lines, path)
    return raw


def iter_inputs(paths: Iterable[str]) -> Iterator[str]:
    """Expand paths into files to read, deterministically; all are checked up front so a typo fails early."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError("iter_inputs() takes a list of paths, not a single path")
    names = [os.fsdecode(os.fspath(p)) for p in paths]
    for name in names:
        if name != "-" and not os.path.exists(name):
            raise ReadError(name, "no such file or directory")
    return _expand(names)


# --------------------------------------------------------------------------- folders


def _expand(names: list[str]) -> Iterator[str]:
    """Yield files for already-validated names, walking folders."""
    for name in names:
        if name != "-" and os.path.isdir(name):
            yield from _walk(name, set())
        else:
            yield name


def _walk(folder: str, seen: set[str]) -> Iterator[str]:
    """Yield supported, non-hidden files under folder in sorted order; seen guards against symlink loops."""
    real = os.path.realpath(folder)
    if real in seen:
        return
    seen.add(real)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda entry: entry.name)
    except OSError as exc:
        raise ReadError(folder, f"cannot list folder ({exc.strerror or exc})") from None
    for entry in entries:
        if entry.name.startswith((".", "~$")):
            continue
        if entry.is_dir():
            yield from _walk(entry.path, seen)
        elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES:
            yield entry.path


# --------------------------------------------------------------------------- lines


def _split_lines(text: str) -> tuple[str, ...]:
    """Split on CRLF, LF, CR only (unlike splitlines, \\x0c \\u2028 … stay in a line); a final newline adds none."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return tuple(lines)


def _line_at(data: bytes, offset: int) -> int:
    """1-based line number of byte offset in ASCII-compatible data (CRLF, LF, CR count as one break each)."""
    return data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset) - data.count(b"\r\n", 0, offset) + 1


def _too_long(path: str, line: int, chars: int) -> ReadError:
    """The error for an over-long line."""
    return ReadError(path, f"line is {chars} characters long (limit {MAX_LINE_CHARS}); not a report", line)


def _check_long_lines(lines: tuple[str, ...], path: str) -> None:
    """Raise for the first line longer than MAX_LINE_CHARS (cheap: one C-level pass over line lengths)."""
    if lines and max(map(len, lines)) > MAX_LINE_CHARS:
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_LINE_CHARS:
                raise _too_long(path, number, len(line))


def _check_long_lines_bytes(data: bytes, path: str) -> None:
    """Raise for an over-long line before decoding (ASCII-compatible data): a 50 MB line costs a few C scans."""
    # Jump window by window (MAX_LINE_CHARS+1 bytes wide) to the last newline in the window; only a
    # newline-free run longer than the limit is decoded, to count its characters.
    size = len(data)
    pos = 0
    while size - pos > MAX_LINE_CHARS:
        end = pos + MAX_LINE_CHARS + 1
        last = max(data.rfind(b"\n", pos, end), data.rfind(b"\r", pos, end))
        if last >= 0:
            pos = last + 1
            continue
        stop = min((i for i in (data.find(b"\n", end), data.find(b"\r", end)) if i >= 0), default=size)
        chars = _count_chars(data[pos:stop])
        if chars > MAX_LINE_CHARS:
            raise _too_long(path, _line_at(data, pos), chars)
        pos = stop


def _count_chars(segment: bytes) -> int:
    """Characters in a byte run, decoded with the first candidate encoding that fits."""
    if segment.isascii():
        return len(segment)
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            return len(segment.decode(encoding))
        except UnicodeDecodeError:
            pass
    return len(segment.decode("utf-8", "replace"))


# --------------------------------------------------------------------------- encodings


def _bom_encoding(data: bytes) -> str | None:
    """'utf-8-sig' or 'utf-16' if data starts with a byte-order mark."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _sniff_hint(head: bytes) -> str:
    """A hint for well-known binary formats given the wrong suffix."""
    if head.startswith(b"PK\x03\x04"):
        return " (it is a zip archive; if it is a Word file, name it .docx)"
    if b"%PDF-" in head[:1024]:
        return " (it is a PDF; name it .pdf)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return " (it is a legacy MS Office file such as .doc; save it as .docx)"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return " (it is an image; run OCR first)"
    return ""


def _check_binary(data: bytes, path: str, start: int = 0) -> None:
    """Raise if the first 8 KB of data (from start) have NUL bytes or are more than 10% control bytes."""
    head = data[start : start + _SNIFF_BYTES]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls * 10 > len(head):
        raise ReadError(path, "looks like a binary file, not text" + _sniff_hint(head))


def _prepare(data: bytes, path: str) -> str | None:
    """Shared byte checks for txt and html; returns the BOM encoding, if any."""
    bom = _bom_encoding(data)
    if bom != "utf-16":
        _check_binary(data, path, 3 if bom else 0)
        _check_long_lines_bytes(data, path)
    return bom


def _decode_bom(data: bytes, path: str, bom: str) -> str:
    """Decode data that starts with a BOM; an error names the line and byte offset."""
    if bom == "utf-8-sig":
        codec, skip = "utf-8", 3
    else:
        codec, skip = ("utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"), 2
    try:
        return str(memoryview(data)[skip:], codec)
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        if codec == "utf-8":
            line = _line_at(data, offset)
        else:
            prefix = data[skip:offset].decode(codec, "replace")
            line = prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1
        raise ReadError(
            path,
            f"cannot decode {_show(data, offset, exc.end + skip)} at byte offset {offset} as {bom} "
            f"(the file starts with a {bom} byte-order mark); repair or re-save the file as UTF-8",
            line,
        ) from None


def _show(data: bytes, start: int, end: int) -> str:
    """Bytes data[start:end] (at least 1, at most 4) as '0xe9 0x20'."""
    return " ".join(f"0x{b:02x}" for b in data[start : max(end, start + 1)][:4])


def _common_ratio(text: str) -> float:
    """Share of common Chinese characters among the non-ASCII characters of (the start of) text."""
    sample = [ch for ch in text[:50_000] if ch > "\x7f"]
    if not sample:
        return 0.0
    return sum(ch in _COMMON_HANZI for ch in sample) / len(sample)


def _looks_like_broken_utf8(data: bytes) -> bool:
    """True if the first 64 KB are almost all valid UTF-8 (<=10% bad non-ASCII bytes): corrupt UTF-8, not GBK/Big5."""
    sample = data[:65536]
    decoded, _ = codecs.utf_8_decode(sample, "surrogateescape", False)
    bad = len(_ESCAPED.findall(decoded))
    non_ascii = len(sample.translate(None, _ASCII_BYTES))
    return bad * 10 <= non_ascii


def _detect(data: bytes) -> tuple[str, str] | None:
    """Strict UTF-8, else GB18030 or Big5 chosen by common-character share; None if nothing fits cleanly."""
    try:
        return str(data, "utf-8"), "utf-8"
    except UnicodeDecodeError:
        if _looks_like_broken_utf8(data):
            return None
    decoded = {}
    for encoding in ("gb18030", "big5"):
        try:
            decoded[encoding] = str(data, encoding)
        except UnicodeDecodeError:
            pass
    if len(decoded) == 2:
        encoding = "big5" if _common_ratio(decoded["big5"]) > _common_ratio(decoded["gb18030"]) else "gb18030"
        return decoded[encoding], encoding
    for encoding, text in decoded.items():
        return text, encoding
    return None


def _first_error(data: bytes, encoding: str) -> UnicodeDecodeError:
    """The strict decoding error of data (which must not decode)."""
    try:
        str(data, encoding)
    except UnicodeDecodeError as exc:
        return exc
    raise AssertionError(f"data decodes as {encoding}")


def _undecodable(data: bytes, path: str) -> ReadError:
    """The error for bytes no candidate encoding reads: first bad byte of the closest candidate, or 'binary'."""
    if _looks_like_broken_utf8(data):  # point at the damage even if GB18030 could read it as mojibake
        error = _first_error(data, "utf-8")
        return ReadError(
            path,
            f"cannot decode {_show(data, error.start, error.end)} at byte offset {error.start}: the file is "
            "UTF-8 except here (mixed or damaged encoding); repair the line or re-save the file as UTF-8",
            _line_at(data, error.start),
        )
    best = None
    for rank, encoding in enumerate(("utf-8", "gb18030", "big5")):
        try:
            str(data, encoding)
            continue
        except UnicodeDecodeError as exc:
            error = exc
        bad = len(_ESCAPED.findall(data.decode(encoding, "surrogateescape")))
        if best is None or (bad, rank) < best[:2]:
            best = (bad, rank, encoding, error)
    assert best is not None
    bad, _, encoding, error = best
    if bad * 10 > len(data) * 3:  # >30% of the bytes are garbage even in the closest encoding
        return ReadError(path, "looks like a binary file, not text" + _sniff_hint(data[:_SNIFF_BYTES]))
    offset = error.start
    return ReadError(
        path,
        f"cannot decode {_show(data, offset, error.end)} at byte offset {offset}: not valid UTF-8, GB18030 "
        f"or Big5 (closest: {encoding}); repair the line or re-save the file as UTF-8",
        _line_at(data, offset),
    )


def _decode_text(data: bytes, path: str) -> tuple[str, str]:
    """Decode a text file: BOM, then strict UTF-8, then GB18030/Big5; raise ReadError otherwise."""
    bom = _prepare(data, path)
    if bom:
        return _decode_bom(data, path, bom), bom
    found = _detect(data)
    if found is None:
        raise _undecodable(data, path)
    return found


# --------------------------------------------------------------------------- html

_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""", re.IGNORECASE)
_WESTERN = frozenset({"ascii", "iso8859-1", "cp1252", "latin-1"})
_BLOCK_TAGS = frozenset(
    "p div br h1 h2 h3 h4 h5 h6 li tr section article header footer table ul ol blockquote pre "
    "dl dt dd hr nav main aside figure figcaption caption form address body html center "
    "tbody thead tfoot fieldset legend details summary option".split()
)
_CELL_TAGS = frozenset({"td", "th"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "title", "template"})
_HEAD_TAGS = frozenset({"meta", "link", "base", "title", "script", "style", "noscript", "template"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


def _declared_charset(data: bytes) -> str | None:
    """Python codec name from a <meta charset> / http-equiv declaration in the first 4 KB (GBK family -> gb18030)."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name in ("gb2312", "gbk", "gb18030"):
        return "gb18030"  # GB18030 is a superset; pages labelled gb2312 routinely contain GBK characters
    if name.startswith("utf-16"):
        return "utf-8"  # HTML spec: a utf-16 label without a BOM means utf-8
    return name


def _decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode html: BOM, then the declared charset (if it decodes), then the txt detection."""
    bom = _prepare(data, path)
    if bom:
        return _decode_bom(data, path, bom), bom
    declared = _declared_charset(data)
    # A Western label on a Chinese page is a common authoring mistake: try detection first then.
    if declared and not (declared in _WESTERN and not data.isascii()):
        try:
            return str(data, declared), declared
        except UnicodeDecodeError:
            pass  # wrong declaration: fall back to detection
    found = _detect(data)
    if found is None and declared:
        try:
            return str(data, declared), declared
        except UnicodeDecodeError:
            pass
    if found is None:
        raise _undecodable(data, path)
    return found


class _HtmlText(HTMLParser):
    """Collect visible text by block, each block placed at the source line where its text starts."""

    def __init__(self, n_lines: int) -> None:
        """Prepare an output slot per source line."""
        super().__init__(convert_charrefs=True)
        self.out = [""] * n_lines
        self._parts: list[str] = []
        self._start: int | None = None  # source line (1-based) where the current block's text starts
        self._skip: list[str] = []  # open script/style/... elements whose content is dropped
        self._in_head = False
        self._pre = 0

    def _flush(self) -> None:
        """End the current block: write its text to its start line (joined by a space if the line is taken)."""
        if self._start is not None:
            joined = "".join(self._parts)
            text = joined.rstrip(" \t\n\r\f") if self._pre else _HTML_SPACE.sub(" ", joined).strip(" ")
            if text.strip():
                index = self._start - 1
                if index >= len(self.out):
                    self.out.extend([""] * (index + 1 - len(self.out)))
                self.out[index] = f"{self.out[index]} {text}" if self.out[index] else text
        self._parts = []
        self._start = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Open a skipped element, break a block, or separate table cells."""
        if tag in _SKIP_TAGS:
            self._skip.append(tag)
            return
        if self._skip:
            return
        if self._in_head:
            if tag in _HEAD_TAGS:
                return
            self._in_head = False  # any body element implicitly closes <head>
        if tag == "head":
            self._in_head = True
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "pre":
                self._pre += 1
        elif tag in _CELL_TAGS and self._start is not None:
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        """Close a skipped element or end a block."""
        if self._skip:
            if tag in self._skip:
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag) :]
            return
        if tag == "head":
            self._in_head = False
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag in _CELL_TAGS and self._start is not None:
            self._parts.append(" ")

    def handle_data(self, data: str) -> None:
        """Add inline text to the current block, noting the source line where visible text starts."""
        if self._skip:
            return
        if self._in_head:
            if not data.strip():
                return
            self._in_head = False  # stray text implicitly closes <head>
        line = self.getpos()[0]
        if self._pre:  # preformatted: every source line is its own block
            for k, piece in enumerate(data.split("\n")):
                if k:
                    self._flush()
                if self._start is None:
                    self._start = line + k
                self._parts.append(piece)
            return
        if self._start is None:
            visible = data.lstrip(" \t\n\r\f")
            if not visible:
                return
            self._start = line + data.count("\n", 0, len(data) - len(visible))
        self._parts.append(data)

    def text_lines(self, text: str) -> list[str]:
        """Parse text and return one string per source line."""
        self.feed(text)
        self.close()
        self._flush()
        return self.out


def _read_html(data: bytes, path: str) -> RawText:
    """Render html to text lines that keep the source's line numbers.

    Drops script/style/noscript/template/title and <head>; block elements (p, div, br, h1-h6, li, tr,
    table, pre, ...) end a block, inline text joins (table cells with a space), whitespace collapses
    (except in <pre>), entities are unescaped.  The result has exactly one line per source line:
    lines[i] is the text of the block(s) whose visible text starts on source line i+1 (several blocks
    starting on the same line are joined by a space), and '' for every other line.  So a <p> wrapped
    over three source lines appears whole on its first line, followed by two empty lines.
    """
    text, encoding = _decode_html(data, path)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # HTMLParser counts only \n
    lines = _HtmlText(len(_split_lines(text))).text_lines(text)
    if not any(line.strip() for line in lines):
        raise ReadError(path, "HTML has no visible text (only markup, scripts or styles)")
    return RawText(path, tuple(lines), f"html:{encoding}", "html")


# --------------------------------------------------------------------------- docx


def _docx_paragraphs(container) -> Iterator:
    """Paragraphs of a document or table cell in document order, descending into tables (merged cells once)."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            # Merged cells repeat the same <w:tc>; keep the elements themselves (not id()s, which
            # lxml may reuse once a proxy is freed) so that each cell is read once.
            seen: set = set()
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        yield from _docx_paragraphs(cell)
        else:
            yield block


def _read_docx(data: bytes, path: str) -> RawText:
    """One line per body paragraph (tables in place, soft breaks -> spaces), so line N is always paragraph N."""
    try:
        import docx
    except ImportError:
        raise ReadError(path, f".docx needs the optional extra: {_DOCX_HINT}") from None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(path, "not a readable .docx (it is a legacy Word 97-2003 .doc file); save it as .docx")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = tuple(
            paragraph.text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
            for paragraph in _docx_paragraphs(document)
        )
    except Exception as exc:  # python-docx/zipfile/lxml raise many types for a damaged file
        raise ReadError(path, f"not a readable .docx ({type(exc).__name__}: {exc}); re-save it from Word") from exc
    if not any(line.strip() for line in lines):
        raise ReadError(path, ".docx has no text")
    return RawText(path, lines, "docx", "docx")


# --------------------------------------------------------------------------- pdf


def _read_pdf(data: bytes, path: str) -> RawText:
    """Text of every page, in page order, split into lines like txt (pypdf's text extraction)."""
    try:
        import pypdf
    except ImportError:
        raise ReadError(path, f".pdf needs the optional extra: {_PDF_HINT}") from None
    if b"%PDF-" not in data[:1024]:
        raise ReadError(path, "not a readable .pdf (no %PDF- header)" + _sniff_hint(data[:_SNIFF_BYTES]))
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                unlocked = reader.decrypt("")
            except Exception:
                unlocked = 0
            if not unlocked:
                raise ReadError(path, "PDF is password-protected; remove the password first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except ReadError:
        raise
    except Exception as exc:  # pypdf raises many types for a damaged file
        raise ReadError(path, f"not a readable .pdf ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise ReadError(path, "PDF has no pages")
    if not any(page.strip() for page in pages):
        raise ReadError(path, "PDF has no text layer (scanned?); run OCR first")
    lines: list[str] = []
    for page in pages:
        lines.extend(_split_lines(page))
    return RawText(path, tuple(lines), "pdf", "pdf")
