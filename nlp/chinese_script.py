"""Traditional → Simplified characters, one for one, so that offsets into the raw line survive conversion."""
from __future__ import annotations

import functools
from importlib import resources

# Share of Han characters that must change before a text is taken as Traditional: Simplified text
# also holds a few characters the table maps (著, 乾, 於 in names), Traditional text far more.
TRADITIONAL_SHARE = 0.04


@functools.cache
def _table() -> dict[int, str]:
    """Build a str.translate table from OpenCC's character dictionary (first candidate, one char only)."""
    text = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text(encoding="utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def is_traditional(text: str) -> bool:
    """Tell whether a text is written in Traditional characters (share of convertible Han characters)."""
    table = _table()
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    if not han:
        return False
    changed = sum(1 for ch in text if ord(ch) in table)
    return changed / han >= TRADITIONAL_SHARE


def to_simplified(text: str) -> str:
    """Map Traditional characters to Simplified one for one (same length, so offsets hold)."""
    return text.translate(_table())
