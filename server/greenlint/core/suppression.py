"""Line suppressions: `# noqa`, `# noqa: GL002`, `# greenlint: ignore[GL002]` (codes or rule names)."""

from __future__ import annotations

import re

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*greenlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_TRIPLE_QUOTES = ('"""', "'''")


def comment_of(line: str) -> str | None:
    """The comment at the end of a line of code: from the first `#` outside a string literal."""
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if line.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
        elif char == "#":
            return line[index:]
        elif char in "'\"":
            triple = line[index : index + 3]
            quote = triple if triple in _TRIPLE_QUOTES else char
            index += len(quote)
            continue
        index += 1
    return None


def is_suppressed(line: str, code: str, name: str) -> bool:
    """Whether the comment of `line` suppresses the finding `code` (`name`)."""
    comment = comment_of(line) if "#" in line else None
    if comment is None:
        return False
    for pattern in (_NOQA, _IGNORE):
        for match in pattern.finditer(comment):
            listed = match.group("codes")
            if listed is None:
                return True
            items = {item.strip().upper() for item in re.split(r"[\s,]+", listed) if item.strip()}
            if code.upper() in items or name.upper() in items:
                return True
    return False


def with_noqa(line: str, code: str) -> str:
    """The line with `code` added to its `# noqa` comment (or a new `# noqa: CODE`), its line ending kept."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    comment = comment_of(body)
    if comment is not None:
        match = _NOQA.search(comment)
        if match is not None:
            listed = match.group("codes")
            if listed is None or code.upper() in {item.upper() for item in re.split(r"[\s,]+", listed)}:
                return line
            start = len(body) - len(comment) + match.end("codes")
            return f"{body[:start]}, {code}{body[start:]}{ending}"
    return f"{body.rstrip()}  # noqa: {code}{ending}"
