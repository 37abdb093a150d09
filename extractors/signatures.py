"""MinHash signatures of body lines and the LSH search for near-duplicate pairs (the audit's duplicate_claim),
kept in blocks that can spill to an unnamed scratch file (``spill.Spill``), so that the audit's memory does not grow with the
number of lines of the corpus.

A block holds ``BLOCK`` signatures band by band (bands × lines × rows of uint32): one band of every line is
then one contiguous read per block. Only the block being filled stays in memory when spilling.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .spill import Spill

BLOCK = 4096  # signatures per block (2 MB at 128 permutations)
BATCH = 1 << 16  # line pairs compared at once (two 1 MB arrays at 4 values per band)
CHUNK = 1 << 14  # later lines whose pairs are looked for at once (their candidate pairs are in memory)


class SignatureStore:
    """Append-only signatures of ``width`` values in ``bands`` bands; full blocks go to a ``Spill`` (an
    unnamed scratch file in the folder ``spill``, or memory when it is None)."""

    def __init__(self, width: int, bands: int, spill: str | None = None) -> None:
        if width % bands:
            raise ValueError(f"{width} permutations do not split into {bands} bands")
        self.width, self.bands, self.rows = width, bands, width // bands
        self._full = Spill(spill)  # the full blocks, one after the other
        self._blocks = 0
        self._open = np.empty((self.bands, BLOCK, self.rows), dtype=np.uint32)  # the block being filled
        self._fill = 0
        self.size = 0

    def append(self, signature: Any) -> None:
        """Add one line's signature (``width`` uint32 values)."""
        self._open[:, self._fill] = np.asarray(signature, dtype=np.uint32).reshape(self.bands, self.rows)
        self._fill += 1
        self.size += 1
        if self._fill == BLOCK:
            self._full.write(self._open.tobytes())
            self._blocks += 1
            self._fill = 0

    def band(self, index: int) -> Any:
        """Band ``index`` of every line, as one (lines × rows) array."""
        size = BLOCK * self.rows * 4  # bytes of one band of one block
        starts = [(number * self.bands + index) * size for number in range(self._blocks)]
        parts = [np.frombuffer(self._full.read(start, start + size), dtype=np.uint32).reshape(BLOCK, self.rows)
                 for start in starts]
        return np.concatenate(parts + [self._open[index, :self._fill]])

    def close(self) -> None:
        """Let the signatures go (and delete the scratch file)."""
        self._full.close()
        self._blocks, self._open, self._fill, self.size = 0, self._open[:, :0], 0, 0


def similar_pairs(store: SignatureStore, docs: Any, threshold: float, cap: int) -> Iterator[tuple[Any, Any, Any]]:
    """Pairs of lines of different documents whose signatures agree in ``threshold`` of their values or more,
    found by LSH (lines whose values agree over one band are compared), as arrays ``later``, ``earlier``
    (line numbers, sorted by later then earlier) and how many values each pair shares, ``CHUNK`` later lines
    at a time.

    For each chunk, two passes over the bands, with one band of every line in memory at a time: the
    candidates of every band are gathered, then their agreement is counted band by band, a pair being
    dropped as soon as it can no longer reach the threshold.
    """
    size = store.size
    needed = int(np.ceil(threshold * store.width - 1e-9))
    for low in range(0, size if size >= 2 else 0, CHUNK):
        keys = np.empty(0, dtype=np.int64)
        for band in range(store.bands):
            found = bucket_pairs(store.band(band), docs, cap, low, low + CHUNK)
            keys = np.sort(np.concatenate([keys, found[~sorted_contains(keys, found)]]), kind="stable")  # two runs
        agree = np.zeros(len(keys), dtype=np.int16)
        for band in range(store.bands):
            values = store.band(band)
            for at in range(0, len(keys), BATCH):
                later, earlier = np.divmod(keys[at:at + BATCH], size)
                agree[at:at + BATCH] += (values[later] == values[earlier]).sum(axis=1, dtype=np.int16)
            alive = agree + (store.bands - band - 1) * store.rows >= needed
            keys, agree = keys[alive], agree[alive]
        later, earlier = np.divmod(keys, size)
        yield later, earlier, agree


def sorted_contains(ordered: Any, values: Any) -> Any:
    """Which ``values`` are in the sorted array ``ordered`` (a bool array)."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    return ordered[np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)] == values


def bucket_pairs(band: Any, docs: Any, cap: int, low: int = 0, high: int | None = None) -> Any:
    """Pairs of lines of different documents whose values agree over one band (a bucket), the later line in
    ``low:high``, as sorted keys ``later × lines + earlier``; in a bucket of many lines (boilerplate) the
    first ``cap`` only are paired with the rest."""
    size = len(band)
    order = np.lexsort(band.T)  # a stable sort: the lines of a bucket stay in line order
    ordered = band[order]
    first = np.ones(size, dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    head = np.maximum.accumulate(np.where(first, np.arange(size), 0))  # where each line's bucket starts
    rank = np.arange(size) - head  # place of each line in its bucket
    keys = []
    at = np.flatnonzero(rank)
    at = at[(order[at] >= low) & (order[at] < (size if high is None else high))]
    for index in range(cap):
        at = at[rank[at] > index]
        if not at.size:
            break
        later, earlier = order[at], order[head[at] + index]
        differ = docs[later] != docs[earlier]
        keys.append(later[differ] * size + earlier[differ])
    keys = np.sort(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)
    return keys[np.diff(keys, prepend=-1) != 0]  # each pair once (keys are not negative)
