"""An on-disk cache of a file's findings, keyed by content hash, settings and greenlint version."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from greenlint import __version__

CACHE_DIRECTORY = ".greenlint_cache"


class FindingCache:
    """Maps (text, settings fingerprint) to the JSON-able records of a file's findings."""

    def __init__(self, root: Path) -> None:
        self.directory = root / CACHE_DIRECTORY / __version__

    @staticmethod
    def key(text: str, fingerprint: str) -> str:
        digest = hashlib.sha256()
        digest.update(fingerprint.encode())
        digest.update(b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> list[dict[str, Any]] | None:
        try:
            data = json.loads((self.directory / key[:2] / key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, list) else None

    def put(self, key: str, records: list[dict[str, Any]]) -> None:
        """Store atomically; a cache that cannot be written is silently skipped."""
        target = self.directory / key[:2] / key
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            marker = self.directory.parent / ".gitignore"
            if not marker.exists():
                marker.write_text("# Created by greenlint\n*\n", encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(records, stream)
            os.replace(temporary, target)
        except OSError:
            return
