"""Test launcher: the real server, whose analyses are recorded and can be held back.

Each analysis appends `<uri> <version>` to `analysed.log` in the working directory. An analysis of a text holding
`# gate` waits (on the analysis thread) until a document named `release.py` is open: every message sent before that
`didOpen` has been handled by then, so what waits behind the gate is known exactly.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from greenlint.lsp import server as server_module
from greenlint.lsp.documents import DocumentResult, analyze_document

LOG = Path("analysed.log").resolve()


def _released() -> bool:
    return any(uri.endswith("/release.py") for uri in list(server_module.server.workspace.text_documents))


def _gated(uri: str, version: int, text: str, *args: Any) -> DocumentResult:
    with LOG.open("a", encoding="utf-8") as log:
        log.write(f"{uri} {version}\n")
    while "# gate" in text and not _released():
        time.sleep(0.01)
    return analyze_document(uri, version, text, *args)


server_module.analyze_document = _gated  # type: ignore[assignment]

if __name__ == "__main__":
    server_module.run()
