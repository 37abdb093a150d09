"""Word lists as regular expressions: an alternation shaped as a trie, so the engine reads each character once.

A flat alternation ``健康档案|健康教育|健康|…`` makes the regex engine try every word at every position;
on the few hundred idioms, units and keywords of the data files that dominates extraction time. The trie
form ``健康(?:档案|教育)?`` matches the same words in the same order of preference (longest first at a
position, shorter ones on backtracking), so swapping one for the other changes no match.

``required_chars`` reads a pattern for the characters that any match needs, so that a caller can skip
running it on a text that lacks them (``FilteredPatterns``).
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from re import _constants as sre
from re import _parser

import regex

_END = ""  # marks a node where a word ends


def _trie(words: Iterable[str]) -> dict:
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = {}
    return root


def _render(node: dict) -> str:
    """The regex of a trie node: its branches (longest first by greediness), optional where a word ends.

    Branches that are one last character go into one character set, which the regex engine tests at once
    where it tries branches one by one (branches start with different characters: their order is free).
    """
    children = [(char, child) for char, child in sorted(node.items()) if char != _END]
    last = "".join(char for char, child in children if child.keys() == {_END})
    branches = [regex.escape(char) + _render(child) for char, child in children if child.keys() != {_END}]
    if last:
        branches.append(f"[{regex.escape(last)}]" if len(last) > 1 else regex.escape(last))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return (body if len(branches) > 1 else "(?:" + body + ")") + "?"
    return body


def word_alternation(words: Iterable[str]) -> str:
    """A regex (without capturing groups) that matches any of ``words``, the longest one first.

    Empty words are ignored; with no words at all the pattern never matches.
    """
    trie = _trie(word for word in words if word)
    return _render(trie) if trie else "(?!)"


# A Unicode property (\p{Han}, \pL): a set of characters the standard parser does not know; \w stands in.
_PROPERTY = regex.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
# A brace that opens no {m}, {m,}, {m,n} or {,n} quantifier: regex-only syntax (fuzzy matching, \x{…}) or
# a literal brace, which the two engines may read differently.
_ODD_BRACE = regex.compile(r"\{(?!\d+(?:,\d*)?\}|,\d+\})")
_SET_LIMIT = 256  # widest character range spelled out as a set


def required_chars(pattern: str, common: str = "") -> tuple[frozenset[str], ...]:
    """Sets of characters that a text must share a character with, each of them, for ``pattern`` to match.

    A text that shares none with one of the sets cannot match, so the pattern need not run on it. Sets
    holding a ``common`` character (found in most texts searched) are left out: they would rarely filter.
    The pattern is read with the standard library's parser: one in syntax only the regex module knows
    (but for Unicode properties), with an escaped backslash or that folds case gets no sets.
    """
    if "\\\\" in pattern:
        return ()
    pattern = _PROPERTY.sub(r"\\w", pattern)
    if _ODD_BRACE.search(pattern):
        return ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a possible nested set, which the regex module may read otherwise
        try:
            parsed = _parser.parse(pattern)
        except (re.error, FutureWarning):
            return ()
    if parsed.state.flags & re.IGNORECASE:
        return ()
    return tuple(need for need in dict.fromkeys(_sequence_needs(parsed, frozenset(common))) if need.isdisjoint(common))


class FilteredPatterns:
    """Patterns run one by one over a text, each only if the text holds the characters it needs
    (``required_chars``): one scan of the text for all those characters spares most runs of most patterns."""

    def __init__(self, patterns: Iterable[re.Pattern | regex.Pattern], common: str = "") -> None:
        self._patterns = tuple(patterns)
        needs = [required_chars(pattern.pattern, common) for pattern in self._patterns]
        sets = list(dict.fromkeys(need for pattern_needs in needs for need in pattern_needs))
        self._wants = [sum(1 << sets.index(need) for need in pattern_needs) for pattern_needs in needs]
        self._bits: dict[str, int] = {}  # character → the sets that hold it, as bits
        for index, need in enumerate(sets):
            for char in need:
                self._bits[char] = self._bits.get(char, 0) | 1 << index
        # The standard engine tests a set of literal characters in one step, the regex module member by member.
        self._scan = re.compile("[" + re.escape("".join(self._bits)) + "]" if self._bits else "(?!)")

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The span of every match of every pattern in ``text``."""
        held = 0
        for char in self._scan.findall(text):
            held |= self._bits[char]
        return [match.span() for pattern, want in zip(self._patterns, self._wants) if want & held == want
                for match in pattern.finditer(text)]


def _sequence_needs(items, common: frozenset[str]) -> list[frozenset[str]]:
    """The character sets that a parsed sequence needs a character of each, fewest and rarest first."""
    needs = [need for item in items for need in _item_needs(*item, common)]
    return sorted(needs, key=lambda need: (not need.isdisjoint(common), len(need)))


def _item_needs(op, argument, common: frozenset[str]) -> list[frozenset[str]]:
    """The character sets that a parsed item (a lookahead or lookbehind too) needs a character of each."""
    if op is sre.LITERAL:
        return [frozenset(chr(argument))]
    if op is sre.IN:
        chars = _set_chars(argument)
        return [chars] if chars else []
    if op is sre.BRANCH:
        firsts = [_sequence_needs(branch, common)[:1] for branch in argument[1]]
        return [] if [] in firsts else [frozenset().union(*(first[0] for first in firsts))]
    if op is sre.SUBPATTERN:
        return [] if argument[1] & re.IGNORECASE else _sequence_needs(argument[3], common)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _sequence_needs(argument[2], common) if argument[0] else []
    if op in (sre.ASSERT, sre.ATOMIC_GROUP):
        return _sequence_needs(argument[-1], common)
    return []


def _set_chars(items) -> frozenset[str] | None:
    """The characters of a parsed character set; None when negated, by category or too wide."""
    chars: set[str] = set()
    for op, argument in items:
        if op is sre.LITERAL:
            chars.add(chr(argument))
        elif op is sre.RANGE and argument[1] - argument[0] < _SET_LIMIT:
            chars.update(map(chr, range(argument[0], argument[1] + 1)))
        else:
            return None
    return frozenset(chars)
