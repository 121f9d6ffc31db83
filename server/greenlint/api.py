"""A small Python API over the CLI's machinery (used by the benchmark and by tools that embed greenlint)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from greenlint.core.checker import Checker, Record, with_path
from greenlint.semantics.index import WorkspaceIndex


def check_paths(paths: Sequence[str | Path], *, use_cache: bool = False) -> list[Record]:
    """Check files and directories like `greenlint check` (one workspace); return the findings as JSON-able records."""
    index = WorkspaceIndex()
    checker = Checker(use_cache=use_cache, index=index)
    errors: list[str] = []
    records: list[Record] = []
    for file in checker.files([str(path) for path in paths], errors.append):
        result = checker.check(file)
        records.extend(with_path(record, file.display) for record in result.records)
    return records
