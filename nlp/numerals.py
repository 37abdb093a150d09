"""Read numbers as written in Chinese reports: Arabic, Chinese, financial and mixed forms, exactly (Decimal)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS)


class NumeralError(ValueError):
    """A string that looked like a numeral but cannot be read as one."""


def _section(text: str) -> Decimal:
    """Read a run below 万 (``三千二百零五``, ``十二``, ``2千``, ``1.5``), digits or Chinese."""
    total = Decimal(0)
    current: Decimal | None = None
    index = 0
    while index < len(text):
        ch = text[index]
        if ch.isdigit() or ch == ".":
            end = index
            while end < len(text) and (text[end].isdigit() or text[end] == "."):
                end += 1
            current = Decimal(text[index:end])
            index = end
            continue
        if ch in DIGITS:
            current = Decimal(DIGITS[ch])
        elif ch in SMALL_UNITS:
            total += (current if current is not None else Decimal(1)) * SMALL_UNITS[ch]
            current = None
        else:
            raise NumeralError(f"not a numeral character: {ch!r} in {text!r}")
        index += 1
    if current is not None:
        # 二百五 means 250 and 三千五 3500: a trailing digit after a unit takes the next lower unit.
        last_unit = next((SMALL_UNITS[c] for c in reversed(text) if c in SMALL_UNITS), None)
        if last_unit and last_unit >= 100 and text[-1] in DIGITS and text[-2] in SMALL_UNITS:
            total += current * (last_unit // 10)
        else:
            total += current
    return total


def parse_number(text: str) -> Decimal:
    """Read one number: ``21000``, ``1,100``, ``1.8万``, ``3万4000``, ``十二万三千``, ``两``, ``百分之九十`` → 90."""
    text = text.replace(",", "").replace("，", "").strip()
    if text.startswith("百分之"):
        text = text[3:]
    if not text:
        raise NumeralError("empty numeral")
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    if all(ch in DIGITS for ch in text) and len(text) > 1:
        return Decimal("".join(str(DIGITS[ch]) for ch in text))  # 二〇二三 read digit by digit
    total = Decimal(0)
    rest = text
    for unit_char, scale in sorted(LARGE_UNITS.items(), key=lambda kv: -kv[1]):
        if unit_char in rest:
            head, _, rest = rest.partition(unit_char)
            total += (_section(head) if head else Decimal(1)) * scale
    if rest:
        total += _section(rest)
    return total


def as_number(value: Decimal) -> int | float:
    """Turn an exact value into a JSON number: an int when whole, else a float."""
    return int(value) if value == value.to_integral_value() else float(value)
