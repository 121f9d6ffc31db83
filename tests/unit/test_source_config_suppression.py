"""Decoding source bytes, line/column maps, line suppressions and `[tool.greenlint]` settings."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from greenlint.core.analysis import analyze
from greenlint.core.config import ConfigError, Settings, load_settings, parse_settings
from greenlint.core.finding import Severity
from greenlint.core.source import LineIndex, Position, SourceDecodeError, SourceText
from greenlint.core.suppression import is_suppressed
from greenlint.rules.registry import ALL_RULES

KNOWN = [(rule.code, rule.name) for rule in ALL_RULES]
GL002_CODE = "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def f(db: AsyncSession):\n    db.commit()\n"

# -- SourceText ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text", "encoding", "bom"),
    [
        (b"", "", "utf-8", False),
        (b"x = 1\n", "x = 1\n", "utf-8", False),
        ("x = 'é🐍'\r\n".encode(), "x = 'é🐍'\r\n", "utf-8", False),
        (codecs.BOM_UTF8 + b"x = 1\r\n", "x = 1\r\n", "utf-8", True),
        (
            codecs.BOM_UTF8 + "# coding: utf-8\nx = 'é'\n".encode(),
            "# coding: utf-8\nx = 'é'\n",
            "utf-8",
            True,
        ),
        (
            b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
            "# -*- coding: latin-1 -*-\nx = 'é'\n",
            "iso-8859-1",
            False,
        ),
        (
            b"#!/usr/bin/env python\n# coding=cp1252\nx = '\x80'\n",
            "#!/usr/bin/env python\n# coding=cp1252\nx = '€'\n",
            "cp1252",
            False,
        ),
        (b"x = 1\r\ry = 2\r", "x = 1\r\ry = 2\r", "utf-8", False),
    ],
)
def test_decode_and_encode_round_trip(data: bytes, text: str, encoding: str, bom: bool) -> None:
    decoded = SourceText.decode(data)
    assert (decoded.text, decoded.encoding, decoded.bom) == (text, encoding, bom)
    assert decoded.encode(decoded.text) == data


def test_encode_keeps_bom_and_encoding_for_new_text() -> None:
    latin = SourceText.decode(b"# coding: latin-1\nx = '\xe9'\n")
    assert latin.encode("# coding: latin-1\ny = 'ü'\n") == b"# coding: latin-1\ny = '\xfc'\n"
    bom = SourceText.decode(codecs.BOM_UTF8 + b"x = 1\n")
    assert bom.encode("y = 'é'\n") == codecs.BOM_UTF8 + "y = 'é'\n".encode()
    assert "\ufeff" not in bom.text


@pytest.mark.parametrize(
    "data",
    [
        b"# coding: no-such-codec\nx = 1\n",
        codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n",
    ],
)
def test_bad_encoding_declarations(data: bytes) -> None:
    with pytest.raises(SourceDecodeError):
        SourceText.decode(data)


def test_invalid_utf8_reports_the_byte_offset() -> None:
    data = b"x = 1\ny = 2\nz = 3\nbad = '\xc3('\n"
    with pytest.raises(SourceDecodeError) as raised:
        SourceText.decode(data)
    offset = data.index(b"\xc3")
    assert f"offset {offset}" in str(raised.value)
    assert "0xc3" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_invalid_utf8_on_the_first_line_reports_the_byte_offset() -> None:
    data = b"x = '\xff'\n"
    with pytest.raises(SourceDecodeError, match="offset 5"):
        SourceText.decode(data)


def test_invalid_utf8_after_a_bom_reports_the_file_offset() -> None:
    data = codecs.BOM_UTF8 + b"x = 1\ny = 2\nz = '\xff'\n"
    with pytest.raises(SourceDecodeError) as raised:
        SourceText.decode(data)
    offset = data.index(b"\xff")
    assert f"offset {offset}" in str(raised.value)


# -- LineIndex -----------------------------------------------------------------------------------------------

MIXED = "a\nbc\r\nd\re"


def test_line_index_positions_with_every_line_break() -> None:
    index = LineIndex(MIXED)
    assert index.starts == [0, 2, 6, 8]
    expected = {
        0: (1, 1),
        1: (1, 2),  # the \n itself
        2: (2, 1),
        4: (2, 3),  # the \r of \r\n
        5: (2, 4),  # the \n of \r\n
        6: (3, 1),
        7: (3, 2),  # a lone \r
        8: (4, 1),
        9: (4, 2),  # the end of the text
    }
    for offset, (line, column) in expected.items():
        assert index.position(offset) == Position(line, column), offset
    assert [index.line_text(line) for line in range(1, 5)] == ["a", "bc", "d", "e"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "x",
        "x\n",
        "x\r\n",
        "x\r",
        "\r\n\r\n",
        "a\n\nb\r\rc\r\n\r\nd",
        "日本\n🐍x\r\ne\u0301\n",
        "a\x0cb\u2028c\n",
    ],
)
def test_line_index_offset_and_position_are_inverse(text: str) -> None:
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        position = index.position(offset)
        assert index.offset(position.line, position.column) == offset
    lines = [index.line_text(line) for line in range(1, len(index.starts) + 1)]
    assert lines == text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def test_line_index_columns_count_code_points_and_only_python_line_breaks() -> None:
    index = LineIndex("日本\n🐍x\u2028y\x0cz\n")
    assert index.position(4) == Position(2, 2)
    assert index.position(6) == Position(2, 4)  # \u2028 and \x0c do not end a line in Python source
    assert index.line_text(2) == "🐍x\u2028y\x0cz"


def test_line_index_offset_is_clamped() -> None:
    index = LineIndex("ab\ncd\n")
    assert index.offset(0, 1) == 0
    assert index.offset(99, 1) == 6
    assert index.offset(1, 99) == 6
    assert index.offset(2, 2) == 4


# -- suppressions --------------------------------------------------------------------------------------------

GL002 = ("GL002", "unawaited-async-call")


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("# noqa", True),
        ("# NoQA", True),
        ("#noqa", True),
        ("# noqa:GL002", True),
        ("# NOQA:GL002", True),
        ("# noqa: gl002", True),
        ("# noqa: E501, GL002", True),
        ("# noqa: E501,GL002", True),
        ("# noqa: E501 GL002", True),
        ("# noqa: GL002 -- the coroutine is awaited later", True),
        ("# type: ignore  # noqa: GL002", True),
        ("# noqa: E501", False),
        ("# noqa: E501, W291", False),
        ("# noqa: GL003", False),
        ("# noqa: GL0", False),
        ("# noqa: GL0020", False),
        ("# greenlint: ignore[GL002]", True),
        ("# greenlint: ignore[gl002]", True),
        ("# greenlint:ignore[GL003, GL002]", True),
        ("# greenlint: ignore[ GL002 ]", True),
        ("# GREENLINT: IGNORE[unawaited-async-call]", True),
        ("# greenlint: ignore[unawaited-async-call]", True),
        ("# greenlint: ignore", True),
        ("# greenlint: ignore[GL003]", False),
        ("# greenlint: ignore[blocking-session-in-async-def]", False),
        ("# greenlint: ignore[]", False),
        ("# see the docs about noqa", False),
        ("# greenlint is great", False),
        ("", False),
    ],
)
def test_is_suppressed(comment: str, suppressed: bool) -> None:
    assert is_suppressed(f"    db.commit()  {comment}", *GL002) is suppressed


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    assert not is_suppressed('    db.execute("SELECT 1  # noqa")', *GL002)


def test_suppression_applies_to_the_finding_line_only() -> None:
    assert [f.code for f in analyze(GL002_CODE, ALL_RULES).findings] == ["GL002"]
    suppressed = GL002_CODE.replace("db.commit()\n", "db.commit()  # noqa: GL002\n")
    assert analyze(suppressed, ALL_RULES).findings == []
    by_name = GL002_CODE.replace("db.commit()\n", "db.commit()  # greenlint: ignore[unawaited-async-call]\n")
    assert analyze(by_name, ALL_RULES).findings == []
    other = GL002_CODE.replace("db.commit()\n", "db.commit()  # noqa: GL008\n")
    assert [f.code for f in analyze(other, ALL_RULES).findings] == ["GL002"]
    previous_line = GL002_CODE.replace("async def f(db: AsyncSession):", "async def f(db: AsyncSession):  # noqa")
    assert [f.code for f in analyze(previous_line, ALL_RULES).findings] == ["GL002"]
    crlf = suppressed.replace("\n", "\r\n")
    assert analyze(crlf, ALL_RULES).findings == []


# -- settings ------------------------------------------------------------------------------------------------

CONFIG = Path("/project/sub/pyproject.toml")


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ({"selct": ["GL002"]}, "unknown key 'selct'"),
        ({"select": "GL002"}, "select must be a list of strings"),
        ({"select": ["GL002", 3]}, "select must be a list of strings"),
        ({"select": ["GL9"]}, "unknown rule selector 'GL9'"),
        ({"select": ["E501"]}, "unknown rule selector 'E501'"),
        ({"select": ["Unawaited-Async-Call"]}, "unknown rule selector"),
        ({"ignore": ["GL002", "nope"]}, "ignore: unknown rule selector 'nope'"),
        ({"ignore": {"GL002": True}}, "ignore must be a list of strings"),
        ({"per-file-ignores": ["tests/*"]}, "per-file-ignores must be a table"),
        ({"per-file-ignores": {"tests/*": "GL002"}}, "per-file-ignores['tests/*'] must be a list of strings"),
        ({"per-file-ignores": {"tests/*": ["GL7"]}}, "unknown rule selector 'GL7'"),
        ({"severity": ["GL002"]}, "severity must be a table"),
        (
            {"severity": {"GL002": "fatal"}},
            'severity of GL002 must be "error", "warning", "information" or "hint"',
        ),
        ({"severity": {"GL002": 3}}, "got 3"),
        ({"severity": {"GL002": ["error"]}}, "severity of GL002"),
        ({"severity": {"GL99": "error"}}, "severity: unknown rule selector 'GL99'"),
        ({"exclude": "build"}, "exclude must be a list of glob strings"),
        ({"exclude": ["build", 1]}, "exclude must be a list of glob strings"),
        ({"select": ["GL002\nGL003"]}, "unknown rule selector"),
        ({"severity": {"GL002": "error\nwarning"}}, "severity of GL002"),
        ({"per-file-ignores": {"a\nb": ["nope"]}}, "unknown rule selector 'nope'"),
        ({"new\nkey": 1}, "unknown key"),
    ],
)
def test_parse_settings_errors_are_one_line_and_name_the_file(table: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_settings(table, CONFIG, KNOWN)
    message = str(raised.value)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{CONFIG}: [tool.greenlint]")
    assert fragment in message


def test_parse_settings_accepts_codes_prefixes_and_names() -> None:
    settings = parse_settings(
        {
            "select": ["GL0", "gl002", "unawaited-async-call"],
            "ignore": ["GL008"],
            "per-file-ignores": {"tests/*.py": ["GL002", "blocking-session-in-async-def"]},
            "severity": {"gl002": "warning", "blocking-session-in-async-def": "hint"},
            "exclude": ["build/", "*.pyi"],
        },
        CONFIG,
        KNOWN,
    )
    assert settings.select == ("GL0", "gl002", "unawaited-async-call")
    assert settings.ignore == ("GL008",)
    assert settings.per_file_ignores == (("tests/*.py", ("GL002", "blocking-session-in-async-def")),)
    assert dict(settings.severity) == {
        "GL002": Severity.WARNING,
        "blocking-session-in-async-def": Severity.HINT,
    }
    assert settings.exclude == ("build/", "*.pyi")
    assert settings.root == CONFIG.parent and settings.source == CONFIG
    assert parse_settings({}, CONFIG, KNOWN) == Settings(root=CONFIG.parent, source=CONFIG)


def test_severity_by_code_and_by_name_is_applied() -> None:
    for key in ("GL002", "gl002", "unawaited-async-call"):
        settings = parse_settings({"severity": {key: "hint"}}, CONFIG, KNOWN)
        [finding] = analyze(GL002_CODE, ALL_RULES, settings.severity).findings
        assert finding.severity is Severity.HINT, key


def test_severity_by_prefix_is_applied_or_rejected() -> None:
    try:
        settings = parse_settings({"severity": {"GL00": "hint"}}, CONFIG, KNOWN)
    except ConfigError:
        return
    [finding] = analyze(GL002_CODE, ALL_RULES, settings.severity).findings
    assert finding.severity is Severity.HINT


def test_load_settings(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.greenlint]\nselect = ["GL002"]\n[tool.greenlint.severity]\nGL002 = "warning"\n')
    settings = load_settings(path, KNOWN)
    assert settings.select == ("GL002",)
    assert dict(settings.severity) == {"GL002": Severity.WARNING}
    assert settings.root == tmp_path

    for content, fragment in [
        ("[tool.greenlint\nselect = 1\n", "invalid TOML"),
        ("[tool]\ngreenlint = 1\n", "must be a table"),
        ('[tool.greenlint]\nselect = ["nope"]\n', "unknown rule selector 'nope'"),
    ]:
        path.write_text(content)
        with pytest.raises(ConfigError) as raised:
            load_settings(path, KNOWN)
        assert "\n" not in str(raised.value)
        assert str(path) in str(raised.value) and fragment in str(raised.value)

    path.write_bytes(b"[tool.greenlint]\nselect = ['\xff']\n")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(path, KNOWN)
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml", KNOWN)


def test_ignored_for_globs(tmp_path: Path) -> None:
    settings = parse_settings(
        {
            "per-file-ignores": {
                "tests/*.py": ["GL002"],
                "**/migrations/*.py": ["GL001", "GL0"],
                "scripts/": ["blocking-session-in-async-def"],
                "*_legacy.py": ["GL008"],
            }
        },
        tmp_path / "pyproject.toml",
        KNOWN,
    )
    assert settings.ignored_for(tmp_path / "tests" / "test_app.py") == ("GL002",)
    assert settings.ignored_for(tmp_path / "tests" / "unit" / "test_app.py") == ()
    assert settings.ignored_for(tmp_path / "app" / "migrations" / "env.py") == ("GL001", "GL0")
    assert settings.ignored_for(tmp_path / "migrations" / "env.py") == ("GL001", "GL0")
    assert settings.ignored_for(tmp_path / "scripts" / "seed.py") == ("blocking-session-in-async-def",)
    assert settings.ignored_for(tmp_path / "deep" / "er" / "db_legacy.py") == ("GL008",)
    assert settings.ignored_for(tmp_path / "app" / "main.py") == ()
    assert settings.ignored_for(tmp_path / "tests" / ".." / "tests" / "test_x.py") == ("GL002",)
    assert settings.ignored_for(tmp_path.parent / "elsewhere" / "tests" / "test_app.py") == ()
    assert Settings().ignored_for(tmp_path / "tests" / "test_app.py") == ()


def test_is_excluded_globs(tmp_path: Path) -> None:
    settings = parse_settings(
        {"exclude": ["build/", "*.pyi", "legacy/**", "!legacy/keep.py", "/top_only.py"]},
        tmp_path / "pyproject.toml",
        KNOWN,
    )
    assert settings.is_excluded(tmp_path / "build" / "lib" / "x.py")
    assert settings.is_excluded(tmp_path / "pkg" / "build" / "x.py")
    assert settings.is_excluded(tmp_path / "stubs" / "x.pyi")
    assert settings.is_excluded(tmp_path / "legacy" / "old" / "x.py")
    assert not settings.is_excluded(tmp_path / "legacy" / "keep.py")
    assert settings.is_excluded(tmp_path / "top_only.py")
    assert not settings.is_excluded(tmp_path / "pkg" / "top_only.py")
    assert not settings.is_excluded(tmp_path / "app" / "main.py")
    assert not settings.is_excluded(tmp_path / "builder.py")
    assert not Settings().is_excluded(tmp_path / "build" / "x.py")


def test_overrides_and_fingerprint() -> None:
    base = parse_settings({"select": ["GL0"], "severity": {"GL002": "hint"}}, CONFIG, KNOWN)
    assert base.with_overrides(None, None) == base
    overridden = base.with_overrides(["GL002"], ["GL008"])
    assert (overridden.select, overridden.ignore) == (("GL002",), ("GL008",))
    assert overridden.fingerprint() != base.fingerprint()
    other_severity = parse_settings({"select": ["GL0"], "severity": {"GL002": "error"}}, CONFIG, KNOWN)
    assert other_severity.fingerprint() != base.fingerprint()
    assert parse_settings({"select": ["GL0"], "severity": {"GL002": "hint"}}, CONFIG, KNOWN).fingerprint() == (
        base.fingerprint()
    )
