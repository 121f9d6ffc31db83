"""Source text as read from disk: decoding, encoding and newline preservation, offset <-> position maps."""

from __future__ import annotations

import bisect
import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken only where Python and LSP break them (not at form feeds or U+2028)."""
    return _LINE.findall(text)


class SourceDecodeError(ValueError):
    """The bytes of a file cannot be decoded as Python source."""


@dataclass(frozen=True)
class SourceText:
    """A Python source file's text, with what is needed to write it back byte-for-byte compatibly."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False

    @classmethod
    def decode(cls, data: bytes) -> SourceText:
        """Decode bytes the way Python does (BOM, PEP 263 cookie); raise SourceDecodeError otherwise."""
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            cookie_error = ""
        except SyntaxError as error:
            encoding = "utf-8"  # no usable declaration: Python reads UTF-8, so say where that fails first
            cookie_error = str(error)
        bom = encoding == "utf-8-sig"
        skipped = len(codecs.BOM_UTF8) if bom else 0
        codec = "utf-8" if bom else encoding
        try:
            text = data[skipped:].decode(codec)
        except UnicodeDecodeError as error:
            offset = skipped + error.start
            if offset >= len(data):  # a multi-byte encoding that ran out of bytes
                raise SourceDecodeError(f"not valid {codec}: truncated at the end") from None
            raise SourceDecodeError(f"not valid {codec}: byte 0x{data[offset]:02x} at offset {offset}") from None
        except (UnicodeError, LookupError) as error:  # `# coding: rot13` (not a text codec), `undefined`
            raise SourceDecodeError(f"cannot decode as {codec}: {' '.join(str(error).split())}") from None
        if cookie_error:
            raise SourceDecodeError(cookie_error)
        return cls(text, codec, bom)

    def encode(self, text: str) -> bytes:
        """Encode new text for this file: same encoding, same BOM."""
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


@dataclass(frozen=True)
class Position:
    """A 1-based line and a 1-based column counted in Unicode code points."""

    line: int
    column: int


@dataclass
class LineIndex:
    """Maps character offsets of a text to line/column positions and back (line breaks: \\n, \\r\\n, \\r)."""

    text: str
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [0, *(match.end() for match in _LINE_BREAK.finditer(self.text))]

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line + 1, offset - self.starts[line] + 1)

    def offset(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column (clamped to the text)."""
        index = min(max(line, 1), len(self.starts)) - 1
        return min(self.starts[index] + column - 1, len(self.text))

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line break."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")
