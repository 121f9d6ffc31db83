"""Line suppressions: `# noqa`, `# noqa: GL002`, `# greenlint: ignore[GL002]` (codes or rule names)."""

from __future__ import annotations

import re

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*greenlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)


def is_suppressed(line: str, code: str, name: str) -> bool:
    """Whether a comment on `line` suppresses the finding `code` (`name`)."""
    if "#" not in line:
        return False
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(line):
            listed = match.group("codes")
            if listed is None:
                return True
            items = {item.strip().upper() for item in re.split(r"[\s,]+", listed) if item.strip()}
            if code.upper() in items or name.upper() in items:
                return True
    return False
