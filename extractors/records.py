"""What every record shares: a frozen dataclass that turns into a plain dict for writers and DataFrames."""
from __future__ import annotations

import dataclasses
from typing import Any


class Record:
    """Mixin for frozen record dataclasses: ``to_dict`` gives JSON-ready fields in declaration order."""

    def to_dict(self) -> dict[str, Any]:
        """Return the record's fields as a plain dict (tuples become lists)."""
        out = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            out[field.name] = list(value) if isinstance(value, tuple) else value
        return out
