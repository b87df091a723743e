"""Rows per owner key of one column, for the first OWNERS_KEPT distinct keys, in Arrow and numpy
arrays (about 20 bytes a key, where a Counter of strings takes over a hundred)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pyarrow and numpy load when a table is read, not with the CLI
    import numpy as np
    import pyarrow as pa

OWNERS_KEPT = 200_000  # distinct owner keys counted per column (rows per owner: over these owners)


@dataclass
class OwnerCounts:
    """Keys in order of first appearance (`str` of each value) and the rows counted for each. Rows
    of a key first seen once OWNERS_KEPT keys are held are not counted; the held keys count all
    their rows. A plain dataclass of arrays: it pickles between processes."""

    keys: Any = None  # pa.StringArray (Any: pyarrow is not imported until a table is read)
    counts: Any = field(default=None)  # np.ndarray[int64], one count per key

    def __len__(self) -> int:
        return 0 if self.keys is None else len(self.keys)

    @property
    def rows(self) -> int:
        return 0 if self.counts is None else int(self.counts.sum())

    @property
    def most(self) -> int:
        return int(self.counts.max()) if len(self) else 0

    def add_values(self, values: list[object]) -> None:
        """Count one batch of a column's values (None is no owner)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        keys = pa.array([str(v) for v in values if v is not None], type=pa.string())
        if len(keys):
            tally = pc.value_counts(keys)  # distinct keys in order of first appearance
            self.add_counts(tally.field("values"), tally.field("counts").to_numpy())

    def add_counts(self, keys: pa.Array, counts: np.ndarray) -> None:
        """Add rows per key (distinct keys, in order of first appearance)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        counts = counts.astype(np.int64)
        if self.keys is None:
            self.keys, self.counts = keys[:OWNERS_KEPT], counts[:OWNERS_KEPT].copy()
            return
        where = pc.index_in(keys, value_set=self.keys)
        held = where.is_valid().to_numpy(zero_copy_only=False)
        if held.any():  # distinct keys: each held index appears once, `+=` cannot miss a repeat
            self.counts[where.filter(where.is_valid()).to_numpy()] += counts[held]
        room = OWNERS_KEPT - len(self.keys)
        if room > 0 and not held.all():
            fresh = np.flatnonzero(~held)[:room]
            self.keys = pa.concat_arrays([self.keys, keys.take(pa.array(fresh))])
            self.counts = np.concatenate([self.counts, counts[fresh]])

    def merge(self, other: OwnerCounts) -> None:
        """Add the counts of a partial read after this one."""
        if other.keys is not None:
            self.add_counts(other.keys, other.counts)
