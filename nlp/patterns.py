"""Word lists as regular expressions: an alternation shaped as a trie, so the engine reads each character once.

A flat alternation ``健康档案|健康教育|健康|…`` makes the regex engine try every word at every position;
on the few hundred idioms, units and keywords of the data files that dominates extraction time. The trie
form ``健康(?:档案|教育)?`` matches the same words in the same order of preference (longest first at a
position, shorter ones on backtracking), so swapping one for the other changes no match.
"""
from __future__ import annotations

from collections.abc import Iterable

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
    """The regex of a trie node: its branches (longest first by greediness), optional where a word ends."""
    branches = [regex.escape(char) + _render(child) for char, child in sorted(node.items()) if char != _END]
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
