"""Where things are in a TOML document: table headers, keys, and the strings, arrays and inline tables they hold.

tomllib reads TOML but forgets positions, and fixes edit the text. This scanner runs only on documents tomllib
accepted, so it follows TOML's structure without validating it; values it does not need (numbers, booleans,
dates) are skipped as opaque text.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI run
    import tomli as tomllib

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_OPAQUE_END = re.compile(r"[,\]}#\r\n]")


@dataclass(eq=False)
class TomlValue:
    """A value and its character offsets. Strings carry their decoded value and raw quote; arrays their items;
    inline tables their entries (keys relative to the table)."""

    kind: str  # "string", "array", "table" or "other"
    start: int
    end: int
    value: str = ""
    quote: str = ""  # ", ', """ or '''
    items: list[TomlValue] = field(default_factory=list)
    entries: list[TomlEntry] = field(default_factory=list)
    _text: str = field(default="", repr=False)  # the document, for `inner`

    @property
    def raw_is_value(self) -> bool:
        """Whether the string's text between its quotes is its value (no escapes, single line)."""
        return len(self.quote) == 1 and self.value == self.inner

    @property
    def inner(self) -> str:
        """The raw text between the quotes (strings only)."""
        return self._text[self.start + len(self.quote) : self.end - len(self.quote)]


@dataclass(eq=False)
class TomlEntry:
    """`key = value`: the key's path (from the document root for statements, from the table for inline tables)."""

    key: tuple[str, ...]
    key_start: int
    key_end: int
    value: TomlValue


@dataclass(eq=False)
class TomlHeader:
    """`[table]` or `[[array.of.tables]]`."""

    path: tuple[str, ...]
    start: int
    end: int
    array: bool


@dataclass(eq=False)
class TomlDocument:
    text: str
    entries: list[TomlEntry] = field(default_factory=list)  # every key/value statement, in order
    headers: list[TomlHeader] = field(default_factory=list)

    def header(self, path: tuple[str, ...]) -> TomlHeader | None:
        return next((header for header in self.headers if header.path == path), None)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def skip_space(self) -> None:
        """Whitespace, line breaks and comments (inside arrays)."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_line()
            else:
                return

    def skip_line(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] not in "\r\n":
            self.pos += 1

    def document(self) -> TomlDocument:
        document = TomlDocument(self.text)
        table: tuple[str, ...] = ()
        while self.pos < len(self.text):
            self.skip_blanks()
            char = self.peek()
            if not char:
                break
            if char in "\r\n":
                self.pos += 1
            elif char == "#":
                self.skip_line()
            elif char == "[":
                start = self.pos
                array = self.peek(2) == "[["
                self.pos += 2 if array else 1
                self.skip_blanks()
                table, _, _ = self.key()
                self.skip_blanks()
                self.pos += 2 if array else 1
                document.headers.append(TomlHeader(table, start, self.pos, array))
                self.skip_line()
            else:
                document.entries.append(self.entry(table))
                self.skip_line()
        return document

    def entry(self, prefix: tuple[str, ...]) -> TomlEntry:
        key, start, end = self.key()
        self.skip_blanks()
        self.pos += 1  # =
        self.skip_blanks()
        return TomlEntry((*prefix, *key), start, end, self.value())

    def key(self) -> tuple[tuple[str, ...], int, int]:
        parts: list[str] = []
        start = self.pos
        while True:
            self.skip_blanks()
            if self.peek() in ('"', "'"):
                parts.append(self.string().value)
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise ValueError(f"no key at offset {self.pos}")
                parts.append(match.group())
                self.pos = match.end()
            end = self.pos
            self.skip_blanks()
            if self.peek() != ".":
                return tuple(parts), start, end
            self.pos += 1

    def value(self) -> TomlValue:
        char = self.peek()
        if char in ('"', "'"):
            return self.string()
        start = self.pos
        if char == "[":
            self.pos += 1
            array = TomlValue("array", start, start, _text=self.text)
            while True:
                self.skip_space()
                if self.peek() == "]":
                    self.pos += 1
                    break
                array.items.append(self.value())
                self.skip_space()
                if self.peek() == ",":
                    self.pos += 1
            array.end = self.pos
            return array
        if char == "{":
            self.pos += 1
            table = TomlValue("table", start, start, _text=self.text)
            while True:
                self.skip_space()
                if self.peek() == "}":
                    self.pos += 1
                    break
                table.entries.append(self.entry(()))
                self.skip_space()
                if self.peek() == ",":
                    self.pos += 1
            table.end = self.pos
            return table
        match = _OPAQUE_END.search(self.text, self.pos)
        end = match.start() if match is not None else len(self.text)
        self.pos = end
        raw_end = start + len(self.text[start:end].rstrip())
        return TomlValue("other", start, raw_end, _text=self.text)

    def string(self) -> TomlValue:
        start = self.pos
        text = self.text
        for quote in ('"""', "'''", '"', "'"):
            if text.startswith(quote, start):
                break
        index = start + len(quote)
        while index < len(text):
            if quote[0] == '"' and text[index] == "\\":
                index += 2
                continue
            if text.startswith(quote, index):
                if len(quote) == 3:  # up to two quotes may end the content: """a"""""
                    run = len(text[index:]) - len(text[index:].lstrip(quote[0]))
                    index += min(run, 5)
                else:
                    index += 1
                break
            index += 1
        self.pos = index
        raw = text[start:index]
        decoded = tomllib.loads(f"v = {raw}")["v"]
        return TomlValue("string", start, index, value=decoded, quote=quote, _text=text)


def scan(text: str) -> TomlDocument:
    """The located structure of a TOML document that tomllib accepts; raises ValueError if it gets lost."""
    try:
        return _Scanner(text).document()
    except (IndexError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"cannot locate the TOML document's values: {error}") from None
