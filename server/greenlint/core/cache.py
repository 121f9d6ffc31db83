"""An on-disk cache of a file's findings, keyed by content hash, settings and greenlint version."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from greenlint import __version__

CACHE_DIRECTORY = ".greenlint_cache"


@cache
def code_fingerprint() -> str:
    """Identifies greenlint's code: results cached by another build (a release, or a checkout being worked on)
    are never reused."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def make_cache_directory(directory: Path) -> None:
    """Create a directory inside .greenlint_cache, which ignores itself for git; raises OSError."""
    directory.mkdir(parents=True, exist_ok=True)
    for parent in (directory, *directory.parents):
        if parent.name == CACHE_DIRECTORY:
            marker = parent / ".gitignore"
            if not marker.exists():
                marker.write_text("# Created by greenlint\n*\n", encoding="utf-8")
            return


class FindingCache:
    """Maps (text, settings fingerprint) to the JSON-able records of a file's findings, and the other modules'
    summaries (path -> digest) they were computed with."""

    def __init__(self, root: Path) -> None:
        self.directory = root / CACHE_DIRECTORY / f"{__version__}-{code_fingerprint()}"

    @property
    def summaries(self) -> Path:
        """Where the workspace index keeps its module summaries."""
        return self.directory / "index.json"

    @staticmethod
    def key(text: str, fingerprint: str) -> str:
        digest = hashlib.sha256()
        digest.update(fingerprint.encode())
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> tuple[list[dict[str, Any]], dict[str, str]] | None:
        try:
            data = json.loads((self.directory / key[:2] / key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        records, depends = data.get("records"), data.get("depends", {})
        if not isinstance(records, list) or not isinstance(depends, dict):
            return None
        return records, depends

    def put(self, key: str, records: list[dict[str, Any]], depends: dict[str, str]) -> None:
        """Store atomically; a cache that cannot be written is silently skipped."""
        target = self.directory / key[:2] / key
        try:
            make_cache_directory(target.parent)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"records": records, "depends": depends}, stream)
            os.replace(temporary, target)
        except OSError:
            return
