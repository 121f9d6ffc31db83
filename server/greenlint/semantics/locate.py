"""Where a module's definitions are, found in its text: a few scans with regular expressions instead of a
code-generation pass over the tree (which costs a good part of a parse)."""

from __future__ import annotations

import re

from greenlint.core.source import LineIndex
from greenlint.semantics.summary import Loc

_CLASS = re.compile(r"^class[ \t]+(\w+)", re.MULTILINE)
_FUNCTION = re.compile(r"^(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)
_ASSIGNMENT = re.compile(r"^(\w+)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
_MEMBER = re.compile(r"^([ \t]+)(\w+)[ \t]*[:=]", re.MULTILINE)
_TOP_LEVEL = re.compile(r"^\S", re.MULTILINE)


class TextLocator:
    """Ranges of the names of top-level classes, their attributes, functions and assignments of one module.

    Each kind is scanned once, when first asked for; the first definition of a name wins.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: LineIndex | None = None
        self._found: dict[re.Pattern[str], dict[str, int]] = {}
        self._members: dict[str, dict[str, int]] = {}

    def _first(self, pattern: re.Pattern[str]) -> dict[str, int]:
        found = self._found.get(pattern)
        if found is None:
            found = {}
            for match in pattern.finditer(self.text):
                found.setdefault(match.group(1), match.start(1))
            self._found[pattern] = found
        return found

    def _loc(self, offset: int | None, name: str) -> Loc | None:
        if offset is None:
            return None
        if self._lines is None:
            self._lines = LineIndex(self.text)
        start = self._lines.position(offset)
        return Loc(start.line, start.column, start.line, start.column + len(name))

    def class_name(self, name: str) -> Loc | None:
        return self._loc(self._first(_CLASS).get(name), name)

    def member(self, class_name: str, name: str) -> Loc | None:
        """An attribute assigned in a class body (its first assignment there)."""
        members = self._members.get(class_name)
        if members is None:
            members = {}
            start = self._first(_CLASS).get(class_name)
            if start is not None:
                after = _TOP_LEVEL.search(self.text, self.text.find("\n", start) + 1)
                end = after.start() if after is not None else len(self.text)
                for match in _MEMBER.finditer(self.text, start, end):
                    members.setdefault(match.group(2), match.start(2))
            self._members[class_name] = members
        return self._loc(members.get(name), name)

    def function(self, name: str) -> Loc | None:
        return self._loc(self._first(_FUNCTION).get(name), name)

    def assignment(self, name: str) -> Loc | None:
        return self._loc(self._first(_ASSIGNMENT).get(name), name)
