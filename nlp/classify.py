"""Activity categories (ANNOTATION §4): the taxonomy as data, and the keyword scorer built from it.

The keyword scorer is the fallback and a feature source for the learned model: each category scores the
number of its taxonomy keywords found in a text, longer keywords counting more.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from .resources import data_table

FALLBACK = "general"


@dataclass(frozen=True, slots=True)
class Category:
    """One taxonomy entry."""

    id: str
    zh: str
    scope: str
    keywords: tuple[str, ...]


@functools.cache
def taxonomy() -> tuple[Category, ...]:
    """The 20 categories, in the order of the taxonomy file (data: taxonomy.tsv)."""
    return tuple(Category(row["id"], row["zh"], row["scope"], tuple(k for k in row["keywords"].split(",") if k))
                 for row in data_table("taxonomy.tsv"))


def category_ids() -> tuple[str, ...]:
    """The category ids, in taxonomy order."""
    return tuple(category.id for category in taxonomy())


def keyword_scores(text: str) -> dict[str, float]:
    """Score every category by its keywords found in ``text`` (a keyword of n characters scores n - 1)."""
    scores: dict[str, float] = {}
    for category in taxonomy():
        score = sum(len(word) - 1 for word in category.keywords if word in text)
        if score:
            scores[category.id] = float(score)
    return scores


def classify_by_keywords(text: str) -> tuple[str, float]:
    """The best keyword category and a confidence (its share of all keyword score); general if none."""
    scores = keyword_scores(text)
    scores.pop(FALLBACK, None) if len(scores) > 1 else None
    if not scores:
        return FALLBACK, 0.0
    best = max(scores, key=scores.get)
    return best, round(scores[best] / sum(scores.values()), 3)
