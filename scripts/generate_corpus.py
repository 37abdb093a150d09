"""Generate a large corpus of report files from the bundled samples, for benchmarks and scale tests.

Each generated document is one of the sample reports (``corpora/samples`` by default) with:

* its fictional organisation and place names (桂香, 柳湾, 青石 …, the ``STEMS`` below) replaced by names
  built from a pool of characters written the same in Simplified and Traditional script, one new name per
  original name and document, so that the corpus holds many organisations;
* every count, amount and rate written in ASCII digits redrawn with the same number of digits (rates stay
  between 50 and 100); years are shifted back by the same 0–4 years within a document, and single digits
  (outline markers, age bands) and numbers that name rather than count (65岁, 2型, 5月31日) are kept;
* about one body line in ten dropped, so that documents differ in length and content.

Text files keep their encoding (UTF-8, GB18030, Big5) and line ends; HTML stays HTML; a ``.docx`` sample
becomes a UTF-8 text file of its paragraphs (no extra needed to read it back). The output is the same for
the same ``--seed``, ``--count`` and source. Files go into sub-folders of 1,000 (``0000/``, ``0001/`` …).

    reportminer generate-corpus --out /tmp/corpus                # 10,000 documents
    reportminer generate-corpus --out /tmp/corpus --count 500 --seed 7
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO / "corpora" / "samples"
# The fictional names of the samples (corpora/samples/README.md), replaced in every generated document.
STEMS = ("桂香", "柳湾", "青石", "河苑", "松林", "红枫", "紅楓", "丹桂", "翠峰", "南湖", "梧桐", "桐源", "鹤湾",
         "鶴灣", "柳岸", "石门", "石門")
# Characters that read the same in Simplified and Traditional (and encode in GB18030 and Big5).
POOL = "松林青石河源山水明光安平和泉竹梅桃李杏金玉星月花溪湖江海福康泰嘉永新西南北中田坪峰岩朱白" \
       "春秋夏冬晨阳清荷芳茂盛德仁义礼智信"
PER_FOLDER = 1000
_YEAR = re.compile(r"(?<![0-9.])(?:19[89][0-9]|20[0-3][0-9])(?![0-9.])")
_NAMING = re.compile(r"\s*(?:岁|周岁|歲|週歲|型|月|日|号|號|届|屆|级|級|类|類|季度|期|批)")
_NUMBER = re.compile(r"(?<![0-9.])([0-9]+)(\.[0-9]+)?(?![0-9])")


@dataclass(frozen=True)
class Template:
    """One sample file, decoded: its text, how to write it back, and the suffix of generated copies."""

    name: str
    text: str
    encoding: str
    newline: str
    suffix: str


def load_templates(source: Path) -> list[Template]:
    """The readable sample files under source, decoded (README files are documentation, not reports)."""
    from ..nlp.errors import ReportminerError
    from ..nlp.reading import iter_inputs, read_path

    templates = []
    for path in iter_inputs([str(source)]):
        if Path(path).name.lower() == "readme.md":
            continue
        try:
            raw = read_path(path)
        except ReportminerError:
            continue
        data = Path(path).read_bytes()
        if raw.format == "txt" and raw.encoding in ("utf-8", "utf-8-sig", "gb18030", "big5"):
            text = data.decode(raw.encoding)
            newline = "\r\n" if "\r\n" in text else "\n"
            templates.append(Template(Path(path).stem, text.replace("\r\n", "\n"), raw.encoding, newline, ".txt"))
        elif raw.format == "html" and raw.encoding == "html:utf-8":
            templates.append(Template(Path(path).stem, data.decode("utf-8"), "utf-8", "\n", ".html"))
        else:  # docx, pdf, UTF-16 …: the lines as read, as UTF-8 text
            templates.append(Template(Path(path).stem, "\n".join(raw.lines) + "\n", "utf-8", "\n", ".txt"))
    if not templates:
        raise click.ClickException(f"{source}: no readable report files")
    return templates


def _new_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.sample(POOL, 2))
        if name not in used:
            used.add(name)
            return name


def _redraw(rng: random.Random, match: re.Match) -> str:
    digits, fraction = match.group(1), match.group(2) or ""
    after = match.string[match.end():match.end() + 1]
    if after in ("%", "％", "﹪") and len(digits) <= 2:
        whole = str(rng.randint(50, 99))
    else:
        whole = str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))
    if fraction:
        fraction = "." + "".join(str(rng.randint(0, 9)) for _ in range(len(fraction) - 1))
    return whole + fraction


def _keep(match: re.Match) -> bool:
    """Numbers left as written: single digits without a fraction (outline markers 1、 （2）, small counts,
    age bands 0—6岁) and numbers that name rather than count (65岁, 2型, 5月31日, 12号, 18届)."""
    if len(match.group(1)) == 1 and not match.group(2):
        return True
    return bool(_NAMING.match(match.string, match.end()))


def vary(template: Template, rng: random.Random) -> str:
    """A new document from a template: new names, new figures, shifted years, some lines dropped."""
    used: set[str] = set()
    names = {stem: _new_name(rng, used) for stem in STEMS if stem in template.text}
    shift = rng.randint(0, 4)
    lines = template.text.split("\n")
    kept = []
    for index, line in enumerate(lines):
        # Keep the first lines (title, byline) and HTML markup lines whole; drop ~10 % of the other lines.
        if index > 3 and len(line) > 20 and not line.lstrip().startswith("<") and rng.random() < 0.1:
            continue
        for stem, name in names.items():
            line = line.replace(stem, name)
        if line.lstrip().startswith("<") and not re.search(r"[\u4e00-\u9fff]", line):
            kept.append(line)  # pure markup: leave attributes, styles and scripts alone
            continue
        line = _YEAR.sub(lambda m: str(int(m.group()) - shift), line)
        pieces = []
        position = 0
        for match in _NUMBER.finditer(line):
            if _YEAR.fullmatch(match.group()) or _keep(match):
                continue  # a year (shifted above), an outline marker, an age, a date …
            pieces.append(line[position:match.start()])
            pieces.append(_redraw(rng, match))
            position = match.end()
        pieces.append(line[position:])
        kept.append("".join(pieces))
    return "\n".join(kept)


def generate(out: Path, count: int, seed: int, source: Path = DEFAULT_SOURCE) -> list[Path]:
    """Write ``count`` documents under ``out``; return their paths in order."""
    templates = load_templates(source)
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        template = templates[rng.randrange(len(templates))]
        text = vary(template, rng)
        folder = out / f"{index // PER_FOLDER:04d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"{index:06d}_{template.name[:40]}{template.suffix}"
        try:
            data = text.replace("\n", template.newline).encode(template.encoding)
        except UnicodeEncodeError:
            data = text.replace("\n", template.newline).encode("utf-8")
        path.write_bytes(data)
        paths.append(path)
    return paths


@click.command("generate-corpus", epilog="""\b
Examples:
  reportminer generate-corpus --out /tmp/corpus
  reportminer generate-corpus --out /tmp/corpus --count 2000 --seed 7
  reportminer extract /tmp/corpus --out /tmp/corpus.db
""")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--count", "-n", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Documents to generate.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same corpus.")
@click.option("--source", type=click.Path(exists=True), default=str(DEFAULT_SOURCE), show_default=True,
              help="Sample reports to vary.")
def generate_command(out: str, count: int, seed: int, source: str) -> None:
    """Write COUNT report files varied from the sample reports (organisations, figures, years)."""
    paths = generate(Path(out), count, seed, Path(source))
    size = sum(path.stat().st_size for path in paths)
    click.echo(f"wrote {len(paths)} files, {size / 1e6:.1f} MB, to {out}", err=True)


if __name__ == "__main__":
    generate_command(prog_name="python -m reportminer.scripts.generate_corpus")
