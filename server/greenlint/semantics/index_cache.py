"""The on-disk cache of module summaries: one JSON file, keyed by a hash of each module's name and text."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from greenlint.core.cache import make_cache_directory
from greenlint.semantics.summary import ModuleSummary

MAX_ENTRIES = 50_000


class SummaryCache:
    """Summaries by content key. Loaded on first use; `save` writes it back (atomically) when it changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, Any] | None = None
        self._decoded: dict[str, ModuleSummary] = {}
        self._dirty = False
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None
            self._entries = data if isinstance(data, dict) else {}
        return self._entries

    def get(self, key: str) -> ModuleSummary | None:
        with self._lock:
            if key in self._decoded:
                return self._decoded[key]
            raw = self._load().get(key)
            if raw is None:
                return None
            try:
                summary = ModuleSummary.from_json(raw)
            except (ValueError, TypeError, KeyError):
                return None  # written by another version of the format: computed again
            self._decoded[key] = summary
            return summary

    def put(self, key: str, summary: ModuleSummary) -> None:
        with self._lock:
            entries = self._load()
            if key not in entries:
                entries[key] = summary.to_json()
                self._decoded[key] = summary
                self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed; a cache that cannot be written is skipped."""
        with self._lock:
            if not self._dirty or self._entries is None:
                return
            entries = self._entries
            if len(entries) > MAX_ENTRIES:  # the oldest entries go first (dicts keep insertion order)
                entries = dict(list(entries.items())[-MAX_ENTRIES:])
            try:
                make_cache_directory(self.path.parent)
                handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".index-")
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(entries, stream, separators=(",", ":"))
                os.replace(temporary, self.path)
            except OSError:
                return
            self._dirty = False
