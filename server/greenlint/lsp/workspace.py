"""pygls' workspace, with lines broken only where LSP breaks them (`\\n`, `\\r\\n`, `\\r`).

pygls splits a document with `str.splitlines`, which also breaks at form feeds, U+2028 and other separators,
so incremental edits below such a character would land on the wrong line.
"""

from __future__ import annotations

from collections.abc import Sequence

from pygls.workspace import TextDocument, Workspace

from greenlint.core.source import split_lines


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))


class LspWorkspace(Workspace):
    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )
