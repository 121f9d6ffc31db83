"""A small Python API over the CLI's machinery (used by the benchmark and by tools that embed greenlint)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from greenlint.core.checker import Checker, Record, with_path
from greenlint.core.files import discover, is_manifest
from greenlint.semantics.index import WorkspaceIndex


def check_paths(paths: Sequence[str | Path], *, use_cache: bool = False) -> list[Record]:
    """Check files and directories like `greenlint check` (one workspace); return the findings as JSON-able records."""
    index = WorkspaceIndex()
    checker = Checker(use_cache=use_cache, index=index)
    errors: list[str] = []
    records: list[Record] = []
    arguments = [str(path) for path in paths]
    found = list(discover(arguments, checker.is_excluded, errors.append, manifests=True))
    files = [file for file in found if not is_manifest(file.path)] + [f for f in found if is_manifest(f.path)]
    index.add_all(file.path for file in files if not is_manifest(file.path))
    if checker.projects is not None:
        checker.projects.covered(Path(argument) for argument in arguments if Path(argument).is_dir())
    for file in files:
        result = checker.check(file)
        records.extend(with_path(record, file.display) for record in result.records)
    return records
