"""What every file source shares: key columns, row buffers that become Arrow batches, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pyarrow as pa

Progress = Callable[[float], None] | None


def key(name: str, kind: pa.DataType) -> pa.Field:
    """A primary-key column: NOT NULL in the raw schema, and how PRIMARY_KEYS finds the keys."""
    return pa.field(name, kind, nullable=False)


def primary_keys(tables: Mapping[str, pa.Schema]) -> dict[str, list[str]]:
    return {name: [f.name for f in schema if not f.nullable] for name, schema in tables.items()}


class RowBatches:
    """Row buffers per raw table, flushed to Arrow batches.

    Rows are tuples in their table's schema order: a tuple per row and one transpose per batch is
    several times faster than filling per-column lists row by row.
    """

    def __init__(self, tables: Mapping[str, pa.Schema]) -> None:
        self.tables = tables
        self.rows: dict[str, list[tuple]] = {table: [] for table in tables}

    def flush(self) -> Iterator[tuple[str, pa.Table]]:
        for table, rows in self.rows.items():
            if rows:
                schema = self.tables[table]
                columns = [
                    pa.array(values, type=field.type)
                    for values, field in zip(zip(*rows, strict=True), schema, strict=True)
                ]
                yield table, pa.Table.from_arrays(columns, schema=schema)
                rows.clear()


class ProgressReader:
    """A binary file that reports the share of it read so far."""

    def __init__(self, path: Path, progress: Progress) -> None:
        self._file = path.open("rb")
        self._size = max(path.stat().st_size, 1)
        self._done = 0
        self._progress = progress

    def read(self, n: int = -1) -> bytes:
        chunk = self._file.read(n)
        self._done += len(chunk)
        if self._progress is not None:
            self._progress(self._done / self._size)
        return chunk

    def __enter__(self) -> ProgressReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()
