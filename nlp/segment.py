"""Word segmentation: a private jieba-compatible tokenizer loaded with the genre's dictionary.

The fast backend is rjieba (jieba-rs, same dictionary format and algorithm); plain jieba is the fallback.
Numbers are cut out before segmentation so that ``1.8万`` or ``21,000`` stay one token whatever the
backend does with them (jieba splits ``1.8/万余份``). Nothing is configured at import: the tokenizer is
built on first use, jieba's cache goes to the user's cache folder, logging is left alone.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import regex

from .resources import data_lines

DICTIONARY = "dictionary.txt"
# jieba's rule for a user-dictionary word; a line whose word breaks it silently never matches.
_JIEBA_WORD = regex.compile(r"^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+$")
_POS = regex.compile(r"^[a-z]{1,4}$")
_NUMBER_TOKEN = regex.compile(r"\d+(?:[.,]\d+)*[万亿]?")


@dataclass(frozen=True, slots=True)
class Entry:
    """One user-dictionary entry: word, frequency (None: let the tokenizer choose) and part of speech."""

    word: str
    freq: int | None
    tag: str | None


def lint_dictionary(lines: list[tuple[int, str]]) -> tuple[list[Entry], list[str]]:
    """Parse dictionary lines ``word [freq] [tag]``; return the entries and one message per bad line."""
    entries: list[Entry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in lines:
        fields = line.split()
        word = fields[0]
        freq: int | None = None
        tag: str | None = None
        if len(fields) > 3:
            problems.append(f"{DICTIONARY}:{number}: {len(fields)} fields, expected 'word [freq] [tag]'")
            continue
        if not _JIEBA_WORD.match(word):
            problems.append(f"{DICTIONARY}:{number}: {word!r} has characters jieba never matches")
            continue
        for field in fields[1:]:
            if field.isdigit():
                freq = int(field)
            elif _POS.match(field):
                tag = field
            else:
                problems.append(f"{DICTIONARY}:{number}: {field!r} is neither a frequency nor a tag")
        if word in seen:
            problems.append(f"{DICTIONARY}:{number}: {word!r} listed twice")
        seen.add(word)
        entries.append(Entry(word, freq, tag))
    return entries, problems


@functools.cache
def dictionary_entries() -> tuple[Entry, ...]:
    """The shipped domain dictionary; raises ValueError when it does not lint clean."""
    entries, problems = lint_dictionary(list(data_lines(DICTIONARY)))
    if problems:
        raise ValueError("domain dictionary is malformed:\n" + "\n".join(problems))
    return tuple(entries)


class Backend(Protocol):
    """What a segmentation backend offers: words, and words with part-of-speech tags."""

    name: str

    def cut(self, text: str) -> list[str]: ...

    def tag(self, text: str) -> list[tuple[str, str]]: ...

    def cut_for_search(self, text: str) -> list[str]: ...


class RjiebaBackend:
    """jieba-rs through rjieba: the same dictionary and algorithm as jieba, about twenty times faster."""

    name = "rjieba"

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        import rjieba

        self._tokenizer = rjieba.Jieba()
        for entry in entries:
            self._tokenizer.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, text: str) -> list[str]:
        return self._tokenizer.cut(text, hmm=True)

    def tag(self, text: str) -> list[tuple[str, str]]:
        return self._tokenizer.tag(text, hmm=True)

    def cut_for_search(self, text: str) -> list[str]:
        return self._tokenizer.cut_for_search(text, hmm=True)


def cache_dir() -> Path:
    """The user's cache folder for reportminer (``$XDG_CACHE_HOME`` or ``~/.cache``), never the system temp."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "reportminer"
    path.mkdir(parents=True, exist_ok=True)
    return path


class JiebaBackend:
    """Plain jieba with a private Tokenizer, its cache kept in the user's cache folder."""

    name = "jieba"

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        import jieba
        import jieba.posseg

        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.tmp_dir = str(cache_dir())
        for entry in entries:
            self._tokenizer.add_word(entry.word, entry.freq, entry.tag)
        self._tagger = jieba.posseg.POSTokenizer(self._tokenizer)

    def cut(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text, HMM=True)

    def tag(self, text: str) -> list[tuple[str, str]]:
        return [(pair.word, pair.flag) for pair in self._tagger.lcut(text, HMM=True)]

    def cut_for_search(self, text: str) -> list[str]:
        return self._tokenizer.lcut_for_search(text, HMM=True)


BACKENDS = {"rjieba": RjiebaBackend, "jieba": JiebaBackend}


class Segmenter:
    """Cut report text into words (and tags) with the domain dictionary; numbers stay whole."""

    def __init__(self, backend: str = "auto") -> None:
        if backend == "auto":
            try:
                import rjieba  # noqa: F401

                backend = "rjieba"
            except ImportError:
                backend = "jieba"
        if backend not in BACKENDS:
            raise ValueError(f"unknown segmentation backend {backend!r}; choose from {sorted(BACKENDS)}")
        self.backend: Backend = BACKENDS[backend](dictionary_entries())

    def _pieces(self, text: str):
        """Yield (piece, is_number) so that numbers bypass the tokenizer."""
        position = 0
        for match in _NUMBER_TOKEN.finditer(text):
            if match.start() > position:
                yield text[position:match.start()], False
            yield match.group(), True
            position = match.end()
        if position < len(text):
            yield text[position:], False

    def cut(self, text: str) -> list[str]:
        """Words of ``text`` in order; their concatenation is ``text``."""
        words: list[str] = []
        for piece, is_number in self._pieces(text):
            if is_number:
                words.append(piece)
            else:
                words.extend(self.backend.cut(piece))
        return words

    def tag(self, text: str) -> list[tuple[str, str]]:
        """Words with part-of-speech tags (numbers tagged ``m``)."""
        tagged: list[tuple[str, str]] = []
        for piece, is_number in self._pieces(text):
            if is_number:
                tagged.append((piece, "m"))
            else:
                tagged.extend(self.backend.tag(piece))
        return tagged


@functools.cache
def default_segmenter() -> Segmenter:
    """One shared segmenter per process, built on first use."""
    return Segmenter()
