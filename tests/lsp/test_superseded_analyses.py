"""Versions a document has moved past are not analysed: while one analysis runs, the edits that arrive meanwhile
give one more analysis (of the newest version), not one each. Made deterministic with the server of
tests/lsp/gated_analysis_server.py, whose first analysis waits until the test has sent every edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsptools import FAST, UNAWAITED, Editor, codes, own_server

pytestmark = pytest.mark.asyncio(loop_scope="session")

LAUNCHER = Path(__file__).with_name("gated_analysis_server.py")
EDITS = 40


def analysed(root: Path, uri: str) -> list[int]:
    """The versions of `uri` whose analysis has started, in order."""
    log = root / "analysed.log"
    lines = log.read_text(encoding="utf-8").split("\n")[:-1] if log.exists() else []  # whole lines only
    return [int(version) for name, version in (line.split() for line in lines) if name == uri]


async def test_edits_made_during_an_analysis_give_one_analysis_of_the_newest_version(tmp_path: Path) -> None:
    async with own_server(str(LAUNCHER), cwd=tmp_path) as client:
        editor = await Editor.start(client, tmp_path, options=FAST)
        uri = editor.open("app.py", UNAWAITED + "# gate\n")  # version 1: its analysis waits for release.py
        await editor.until(lambda: analysed(tmp_path, uri) == [1], "the analysis of version 1 to start")
        for number in range(EDITS):  # versions 2 to EDITS + 1, each scheduling an analysis
            editor.change(uri, UNAWAITED + f"# gate\nEDIT = {number}\n")
        editor.open("release.py", "")
        assert codes(await editor.diagnostics(uri)) == ["GL002"]
        assert editor.versions[uri] == EDITS + 1
    assert analysed(tmp_path, uri) == [1, EDITS + 1]
