"""pyarrow arrays and scalars for the bulk output path, made from buffers: `pa.array` and
`pa.scalar` import pandas when it is installed (pyarrow's pandas shims), a fifth of a second of
CPU that a text scan does not otherwise spend. pyarrow is imported on first use (not with the CLI)."""

from __future__ import annotations

from typing import Any


def integers(values: Any) -> Any:
    """An int64 array of a numpy array of integers."""
    import numpy as np
    import pyarrow as pa

    column = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(column), [None, pa.py_buffer(column)])


def floats(values: Any) -> Any:
    """A float64 array of a numpy array of numbers."""
    import numpy as np
    import pyarrow as pa

    column = np.ascontiguousarray(values, dtype=np.float64)
    return pa.Array.from_buffers(pa.float64(), len(column), [None, pa.py_buffer(column)])


def integer(value: int) -> Any:
    import numpy as np

    return integers(np.array([value]))[0]


def strings(items: list[str]) -> Any:
    """A large_string array of Python strings."""
    import numpy as np
    import pyarrow as pa

    encoded = [item.encode("utf-8") for item in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.array([len(item) for item in encoded], dtype=np.int64), out=offsets[1:])
    return pa.Array.from_buffers(
        pa.large_string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )


def flags(values: Any) -> Any:
    """A boolean array of a numpy array of booleans."""
    import numpy as np
    import pyarrow as pa

    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def string(value: str) -> Any:
    return strings([value])[0]


def utf8(values: Any) -> tuple[Any, Any]:
    """The UTF-8 bytes of a large_string array without nulls (numpy uint8) and each value's
    (start, end) in them (numpy int64), without a copy."""
    import numpy as np

    _, offsets, data = values.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    codes = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return codes, bounds
