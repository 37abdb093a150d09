"""Tests for reportminer.nlp.reading: bytes on disk -> lines, one clear ReadError per bad file."""

from __future__ import annotations

import io
import pickle
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportminer.nlp import reading
from reportminer.nlp.errors import ReadError, ReportminerError
from reportminer.nlp.reading import (
    MAX_LINE_CHARS,
    SUPPORTED_SUFFIXES,
    RawText,
    iter_inputs,
    read_bytes,
    read_path,
)

BIG5_TEXT = "本中心全年共建立居民健康檔案一萬二千餘份，接種疫苗三千人次。"
GB_TEXT = "社区卫生服务中心全年接种各类疫苗21000人次"


def write(tmp_path, name: str, data: bytes):
    """Write data to tmp_path/name (creating folders) and return the path as a str."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def read_error(data: bytes, fmt: str = "txt", path: str = "r.txt") -> ReadError:
    """The ReadError read_bytes raises for data."""
    with pytest.raises(ReadError) as info:
        read_bytes(data, path, fmt)
    return info.value


# --------------------------------------------------------------------------- errors


def test_read_error_format_and_pickle():
    err = ReadError("a/b.txt", "file is empty")
    assert str(err) == "a/b.txt: file is empty"
    assert (err.path, err.line) == ("a/b.txt", None)
    err = ReadError("a/b.txt", "bad byte", 7)
    assert str(err) == "a/b.txt:7: bad byte"
    assert isinstance(err, ReportminerError)
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), copy.path, copy.line, str(copy)) == (ReadError, "a/b.txt", 7, "a/b.txt:7: bad byte")


def test_rawtext_is_frozen():
    raw = read_bytes(b"x\n", "-")
    with pytest.raises(AttributeError):
        raw.lines = ()  # type: ignore[misc]
    assert SUPPORTED_SUFFIXES == {".txt", ".text", ".html", ".htm", ".docx", ".pdf"}


# --------------------------------------------------------------------------- txt encodings


def test_utf8_without_bom(tmp_path):
    raw = read_path(write(tmp_path, "a.txt", "第一行\n第二行 ok\n".encode()))
    assert raw == RawText(str(tmp_path / "a.txt"), ("第一行", "第二行 ok"), "utf-8", "txt")


def test_utf8_with_bom(tmp_path):
    raw = read_path(write(tmp_path, "a.txt", "\ufeff总结\n计划".encode()))
    assert (raw.lines, raw.encoding) == (("总结", "计划"), "utf-8-sig")


def test_gb18030_with_crlf(tmp_path):
    text = f"{GB_TEXT}\r\n二、存在问题\r\n\r\n三、下步计划\r\n"
    raw = read_path(write(tmp_path, "gb.txt", text.encode("gb18030")))
    assert raw.encoding == "gb18030"
    assert raw.lines == (GB_TEXT, "二、存在问题", "", "三、下步计划")


def test_gb18030_single_line():
    raw = read_bytes(GB_TEXT.encode("gb18030"), "-")
    assert (raw.lines, raw.encoding) == ((GB_TEXT,), "gb18030")


def test_big5_traditional(tmp_path):
    data = (BIG5_TEXT + "\n").encode("big5")
    assert data.decode("gb18030") != BIG5_TEXT  # the trap: Big5 bytes also decode as GB18030 garbage
    raw = read_path(write(tmp_path, "tw.txt", data))
    assert (raw.lines, raw.encoding) == ((BIG5_TEXT,), "big5")


def test_traditional_text_in_gb18030_stays_gb18030():
    raw = read_bytes(BIG5_TEXT.encode("gb18030"), "-")
    assert (raw.lines, raw.encoding) == ((BIG5_TEXT,), "gb18030")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    raw = read_path(write(tmp_path, "u16.txt", bom + "甲\r\n乙\n".encode(codec)))
    assert (raw.lines, raw.encoding) == (("甲", "乙"), "utf-16")


def test_ascii_is_utf8():
    assert read_bytes(b"plain", "-").encoding == "utf-8"


# --------------------------------------------------------------------------- lines


def test_only_cr_lf_crlf_split_lines():
    text = "a\x0cb\u2028c\x0bd\x1ce\x85f\u2029g\nsecond\rthird\r\nfourth"
    raw = read_bytes(text.encode(), "-")
    assert raw.lines == ("a\x0cb\u2028c\x0bd\x1ce\x85f\u2029g", "second", "third", "fourth")


def test_final_newline_adds_no_line_but_blank_lines_count():
    assert read_bytes(b"a\nb\n", "-").lines == ("a", "b")
    assert read_bytes(b"a\nb", "-").lines == ("a", "b")
    assert read_bytes(b"a\n\n", "-").lines == ("a", "")
    assert read_bytes(b"\na\r\n", "-").lines == ("", "a")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab中 \t\n\r\x0c\u2028\x85")), min_size=1))
def test_lines_match_editor_numbering(text):
    if text.isspace():
        return
    expected = re.split(r"\r\n|\r|\n", text)
    if expected[-1] == "":
        expected.pop()
    assert read_bytes(text.encode(), "-").lines == tuple(expected)


# --------------------------------------------------------------------------- bad txt


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n", "\u3000\n".encode(), b"\xef\xbb\xbf\n", b"\xff\xfe \x00\n\x00"])
def test_empty_or_whitespace_only(tmp_path, data):
    path = write(tmp_path, "empty.txt", data)
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value) == f"{path}: file is empty"


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    path = write(tmp_path, "pic.txt", png)
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value).startswith(f"{path}: looks like a binary file, not text")
    assert info.value.line is None


def test_pdf_named_txt_gets_a_hint():
    assert "name it .pdf" in str(read_error(b"%PDF-1.4\n\x00\x01binary"))


def test_undecodable_byte_names_line_and_offset(tmp_path):
    data = "一、概况\n二、成绩\n三、问题".encode() + b"\xff" + "其余\n".encode()
    path = write(tmp_path, "bad.txt", data)
    with pytest.raises(ReadError) as info:
        read_path(path)
    offset = data.index(b"\xff")
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: cannot decode 0xff at byte offset {offset}:")
    assert "re-save the file as UTF-8" in str(info.value)


def test_gbk_line_in_utf8_file_is_pointed_at():
    data = "一、工作概况\n全年完成投资\n".encode() + "报告".encode("gb18030") + "\n其他内容\n".encode()
    err = read_error(data)
    assert err.line == 3
    assert f"byte offset {data.index('报告'.encode('gb18030'))}: the file is UTF-8 except here" in str(err)


def test_latin1_text_is_undecodable_not_binary():
    err = read_error("line one\ncaf\xe9 au lait\n".encode("latin-1"))
    assert err.line == 2
    assert "byte offset 12" in str(err)
    assert "binary" not in str(err)


def test_broken_utf16():
    err = read_error(b"\xff\xfe" + "甲\n乙\n".encode("utf-16-le") + b"\x00\xdc")  # lone low surrogate
    assert err.line == 3
    assert "utf-16" in str(err)


# --------------------------------------------------------------------------- long lines


def test_50mb_single_line_is_rejected_before_decoding(tmp_path, monkeypatch):
    size = 50 * 1024 * 1024
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.write(b"x" * size)
    # Proof that it is cheap: the error must come before any whole-file decoding or html parsing.
    monkeypatch.setattr(reading, "_detect", lambda data: pytest.fail("decoded the whole file"))
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value) == f"{path}:1: line is {size} characters long (limit {MAX_LINE_CHARS}); not a report"
    assert info.value.line == 1


def test_long_line_later_in_file():
    data = b"ok\r\nok\n" + b"y" * (MAX_LINE_CHARS + 1) + b"\nok\n"
    err = read_error(data)
    assert err.line == 3
    assert f"line is {MAX_LINE_CHARS + 1} characters long" in str(err)


def test_line_at_the_limit_is_fine():
    raw = read_bytes(b"a\n" + b"z" * MAX_LINE_CHARS + b"\nb", "-")
    assert [len(line) for line in raw.lines] == [1, MAX_LINE_CHARS, 1]


def test_limit_counts_characters_not_bytes():
    line = "中" * (MAX_LINE_CHARS // 2)  # 1.5 MB of UTF-8 but only 500 000 characters
    assert read_bytes(line.encode(), "-").lines == (line,)
    err = read_error(("中" * (MAX_LINE_CHARS + 5)).encode("gb18030"))
    assert f"line is {MAX_LINE_CHARS + 5} characters long" in str(err)


def test_long_line_in_utf16():
    err = read_error(b"\xff\xfe" + ("a\n" + "b" * (MAX_LINE_CHARS + 1)).encode("utf-16-le"))
    assert err.line == 2


# --------------------------------------------------------------------------- html

HTML = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>标题不要</title>
<style>p { color: red }</style>
</head>
<body>
<h1>2023年工作总结</h1>
<p>一、全年完成<b>投资</b>
1.2亿元&amp;新增岗位&lt;300&gt;个</p>
<script>var x = "<p>不要</p>";</script>
<p>甲</p><p>乙</p>
<ul><li>第一项</li>
  <li>
    第二项</li></ul>
<table><tr><td>项目</td><td>金额</td></tr></table>
&#x4E2D;&nbsp;文<br>尾<noscript>不要</noscript>
</body>
</html>
"""


def test_html_renders_text_at_source_lines(tmp_path):
    raw = read_path(write(tmp_path, "r.html", HTML.encode()))
    assert (raw.format, raw.encoding) == ("html", "html:utf-8")
    assert len(raw.lines) == HTML.count("\n")
    numbered = {i + 1: line for i, line in enumerate(raw.lines) if line}
    assert numbered == {
        9: "2023年工作总结",
        10: "一、全年完成投资 1.2亿元&新增岗位<300>个",
        13: "甲 乙",
        14: "第一项",
        16: "第二项",
        17: "项目 金额",
        18: "中\xa0文 尾",
    }
    assert not any("不要" in line for line in raw.lines)


def test_html_crlf_and_meta_gbk(tmp_path):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>\r\n'
        "<body>\r\n<p>第一段</p>\r\n<p>第二段</p></body></html>\r\n"
    )
    raw = read_path(write(tmp_path, "r.htm", html.encode("gb18030")))
    assert raw.encoding == "html:gb18030"
    assert raw.lines == ("", "", "第一段", "第二段")


def test_html_without_meta_uses_detection(tmp_path):
    raw = read_path(write(tmp_path, "tw.HTML", f"<p>{BIG5_TEXT}</p>".encode("big5")))
    assert (raw.lines, raw.encoding) == ((BIG5_TEXT,), "html:big5")


def test_html_pre_keeps_lines():
    raw = read_bytes(b"<pre>\n  a  b\nc</pre>\n<p>d</p>", "x.html", "html")
    assert raw.lines == ("", "  a  b", "c", "d")


def test_html_unclosed_head_does_not_swallow_body():
    raw = read_bytes(b"<html><head><title>t</title>\n<p>body text</p>", "x.html", "html")
    assert raw.lines == ("", "body text")


def test_html_without_visible_text():
    err = read_error(b"<html><script>x()</script></html>", "html", "x.html")
    assert "no visible text" in str(err)


# --------------------------------------------------------------------------- docx


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("一、工作概况")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "金额"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "合计"
    paragraph = document.add_paragraph("二、下步")
    paragraph.add_run().add_break()
    paragraph.add_run("计划")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_become_lines(tmp_path):
    raw = read_path(write(tmp_path, "r.docx", make_docx()))
    assert (raw.format, raw.encoding) == ("docx", "docx")
    assert raw.lines == ("一、工作概况", "", "项目", "金额", "合计", "二、下步 计划")


def test_docx_vertical_merge_and_nested_table_read_once():
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "纵向"
    table.cell(0, 1).text, table.cell(1, 1).text, table.cell(2, 0).text = "a", "b", "c"
    table.cell(2, 1).paragraphs[0].text = "d"
    table.cell(2, 1).add_table(rows=1, cols=1).cell(0, 0).text = "嵌套"
    buffer = io.BytesIO()
    document.save(buffer)
    assert read_bytes(buffer.getvalue(), "-", "docx").lines == ("纵向", "a", "b", "c", "d", "嵌套", "")


def test_docx_from_bytes():
    assert read_bytes(make_docx(), "-", "docx").lines[0] == "一、工作概况"


@pytest.mark.parametrize("cut", [lambda d: d[: len(d) // 2], lambda d: b"not a zip at all"])
def test_truncated_docx(tmp_path, cut):
    path = write(tmp_path, "broken.docx", cut(make_docx()))
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value).startswith(f"{path}: not a readable .docx (")


def test_zip_without_document_xml():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a readable .docx" in str(read_error(buffer.getvalue(), "docx", "z.docx"))


def test_docx_without_python_docx(tmp_path, monkeypatch):
    path = write(tmp_path, "r.docx", make_docx())
    monkeypatch.setitem(sys.modules, "docx", None)
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value) == f"{path}: .docx needs the optional extra: pip install 'reportminer[docx]'"


# --------------------------------------------------------------------------- pdf


def make_pdf(streams: list[bytes]) -> bytes:
    """A minimal PDF, one page per content stream, Helvetica as F1, with a correct xref table."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i, stream in enumerate(streams):
        page, content = 4 + 2 * i, 5 + 2 * i
        kids.append(b"%d 0 R" % page)
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        objects[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(streams))
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


TEXT_PDF = make_pdf(
    [
        b"BT /F1 12 Tf 72 720 Td (Hello report) Tj 0 -14 Td (Second line) Tj ET",
        b"BT /F1 12 Tf 72 720 Td (Page two) Tj ET",
    ]
)


def test_pdf_text(tmp_path):
    raw = read_path(write(tmp_path, "r.pdf", TEXT_PDF))
    assert (raw.format, raw.encoding) == ("pdf", "pdf")
    assert raw.lines == ("Hello report", "Second line", "Page two")
    assert read_bytes(TEXT_PDF, "-", "pdf").lines == raw.lines


def test_pdf_without_text_layer(tmp_path):
    path = write(tmp_path, "scan.pdf", make_pdf([b"", b""]))
    with pytest.raises(ReadError) as info:
        read_path(path)
    assert str(info.value) == f"{path}: PDF has no text layer (scanned?); run OCR first"


@pytest.mark.parametrize("data", [TEXT_PDF[: len(TEXT_PDF) // 2], b"%PDF-1.4\ngarbage\n%%EOF\n", b"<html>"])
def test_broken_pdf(data):
    assert "not a readable .pdf" in str(read_error(data, "pdf", "b.pdf"))


def test_pdf_without_pypdf(monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdf", None)
    err = read_error(TEXT_PDF, "pdf", "r.pdf")
    assert str(err) == "r.pdf: .pdf needs the optional extra: pip install 'reportminer[pdf]'"


# --------------------------------------------------------------------------- paths, stdin


def test_read_path_errors(tmp_path):
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(ReadError) as info:
        read_path(missing)
    assert str(info.value) == f"{missing}: no such file"
    with pytest.raises(ReadError, match="is a directory"):
        read_path(tmp_path)


def test_read_path_keeps_the_given_path_and_unknown_suffix_is_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "notes.LOG", b"hello\n")
    assert read_path("notes.LOG") == RawText("notes.LOG", ("hello",), "utf-8", "txt")


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GB_TEXT.encode("gb18030"))))
    assert read_path("-") == RawText("-", (GB_TEXT,), "gb18030", "txt")


def test_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        read_bytes(b"x", "-", "rtf")


def test_iter_inputs_walks_sorted_and_filters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [
        "in/b.txt",
        "in/A.DOCX",
        "in/a/z.md",
        "in/a/y.htm",
        "in/a/deep/x.pdf",
        "in/a/.hidden.txt",
        "in/.git/c.txt",
        "in/~$lock.docx",
        "in/data.csv",
        "in/noext",
        "own.weird",
    ]:
        write(tmp_path, name, b"x")
    got = list(iter_inputs(["in", "-", "own.weird", "in/data.csv"]))
    assert got == [
        "in/A.DOCX",
        "in/a/deep/x.pdf",
        "in/a/y.htm",
        "in/b.txt",
        "-",
        "own.weird",
        "in/data.csv",
    ]
    assert list(iter_inputs(["in/"]))[0] == "in/A.DOCX"


def test_iter_inputs_missing_path_fails_before_yielding(tmp_path):
    write(tmp_path, "ok.txt", b"x")
    missing = str(tmp_path / "missing")
    with pytest.raises(ReadError) as info:
        iter_inputs([str(tmp_path / "ok.txt"), missing])
    assert str(info.value) == f"{missing}: no such file or directory"


def test_iter_inputs_survives_symlink_loop(tmp_path):
    write(tmp_path, "d/a.txt", b"x")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    assert list(iter_inputs([str(tmp_path / "d")])) == [str(tmp_path / "d" / "a.txt")]
