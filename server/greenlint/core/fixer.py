"""Turning fixes into text: one libcst transformer per file, imports added once, minimal text edits."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from greenlint.core.finding import Edit
from greenlint.core.source import split_lines
from greenlint.semantics.facts import BindingKind, ModuleFacts
from greenlint.semantics.modules import ModuleName
from greenlint.semantics.tree import code_of

Rewrite = Callable[[cst.CSTNode], cst.CSTNode]


class FixBuilder:
    """Collects the node rewrites and imports of the fixes applied together to one module."""

    def __init__(self, facts: ModuleFacts, name: ModuleName | None = None) -> None:
        self.facts = facts
        self.name = name or ModuleName("")
        self._rewrites: dict[int, list[tuple[Hashable, Rewrite]]] = {}
        self._insertions: dict[int, _Insertions] = {}
        self._imports: dict[tuple[str, str], ImportItem] = {}

    def rewrite(self, node: cst.CSTNode, rewrite: Rewrite, key: Hashable = None) -> None:
        """Replace `node` by rewrite(node with its own rewritten children); a repeated key is applied once."""
        entries = self._rewrites.setdefault(id(node), [])
        if key is None or all(existing != key for existing, _ in entries):
            entries.append((key, rewrite))

    def insert(self, statement: cst.BaseStatement, new: cst.BaseStatement, *, before: bool, key: Hashable) -> None:
        """Insert `new` before or after a statement of a block; a repeated key is inserted once."""
        insertions = self._insertions.setdefault(id(statement), _Insertions())
        if key not in insertions.keys:
            insertions.keys.add(key)
            (insertions.before if before else insertions.after).append(new)
        self._rewrites.setdefault(id(statement), [])

    def import_name(self, module: str, name: str) -> cst.BaseExpression:
        """An expression naming module.name: the name itself in that module, an existing module-level import or
        alias, else a new import."""
        if module == self.name.name and any(
            binding.kind is not BindingKind.IMPORT for binding in self.facts.root.bindings.get(name, ())
        ):
            return cst.Name(name)
        wanted = f"{module}.{name}"
        imported = {
            local: self.name.absolute(binding.qualified)
            for local, bindings in self.facts.root.bindings.items()
            for binding in bindings
            if binding.kind is BindingKind.IMPORT and len(bindings) == 1 and binding.qualified
        }
        for local, qualified in imported.items():
            if qualified == wanted:
                return cst.Name(local)
        for local, qualified in imported.items():
            if qualified == module:
                return cst.Attribute(cst.Name(local), cst.Name(name))
        taken = {
            bound
            for scope in self.facts.scopes()
            for bound, bindings in scope.bindings.items()
            if any(
                binding.kind is not BindingKind.IMPORT or self.name.absolute(binding.qualified or "") != wanted
                for binding in bindings
            )
        }
        local = name
        while local in taken and (module, name) not in self._imports:
            local += "_"
        if (module, name) in self._imports:
            local = self._imports[(module, name)].alias or name
        self._imports[(module, name)] = ImportItem(module, name, local if local != name else None)
        return cst.Name(local)

    def apply(self, module: cst.Module) -> cst.Module:
        if self._rewrites:
            module = _rewrite(module, self._rewrites, self._insertions, self.facts.parents())
        if self._imports:
            context = CodemodContext()
            for item in self._imports.values():
                AddImportsVisitor.add_needed_import(context, item.module, item.obj_name, item.alias)
            module = AddImportsVisitor(context).transform_module(module)
            module = _sort_merged_imports(module, {item.obj_name or "" for item in self._imports.values()})
        return module


def _import_order(alias: cst.ImportAlias) -> tuple[int, str]:
    """isort's / ruff's order: CONSTANTS, then Classes, then functions and modules."""
    name = alias.evaluated_name
    return (0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2), name


def _sort_merged_imports(module: cst.Module, added: set[str]) -> cst.Module:
    """AddImportsVisitor puts a name added to an existing `from m import a, b` first; when the names were in
    isort's order, put it where isort would."""

    class Sorter(cst.CSTTransformer):
        def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
            names = updated_node.names
            if isinstance(names, cst.ImportStar) or len(names) < 2:
                return updated_node
            kept = [alias for alias in names if alias.evaluated_name not in added]
            if (
                not kept
                or len(kept) == len(names)
                or [_import_order(a) for a in kept] != sorted(map(_import_order, kept))
            ):
                return updated_node
            ordered = sorted(names, key=_import_order)
            last_comma = names[-1].comma
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            commas = [alias.comma for alias in names[:-1]]
            if any(isinstance(comma, cst.Comma) and "\n" in code_of(comma) for comma in commas):
                return updated_node  # one name per line: leave the layout to the formatter
            return updated_node.with_changes(
                names=[
                    alias.with_changes(comma=separator if index < len(ordered) - 1 else last_comma)
                    for index, alias in enumerate(ordered)
                ]
            )

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    return module.visit(Sorter())


@dataclass
class _Insertions:
    before: list[cst.BaseStatement] = field(default_factory=list)
    after: list[cst.BaseStatement] = field(default_factory=list)
    keys: set[Hashable] = field(default_factory=set)

    def around(self, node: cst.CSTNode) -> cst.FlattenSentinel[cst.CSTNode]:
        """The statement with the insertions; the first statement takes over its leading blank lines/comments."""
        nodes: list[cst.CSTNode] = [*self.before, node, *self.after]
        if self.before and isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            nodes[0] = self.before[0].with_changes(leading_lines=node.leading_lines)
            nodes[len(self.before)] = node.with_changes(leading_lines=())
        return cst.FlattenSentinel(nodes)


def _rewrite(
    module: cst.Module,
    rewrites: dict[int, list[tuple[Hashable, Rewrite]]],
    insertions: dict[int, _Insertions],
    parents: dict[int, cst.CSTNode],
) -> cst.Module:
    """Apply rewrites bottom-up, visiting only the paths from the root to the rewritten nodes."""
    on_path: set[int] = set()
    for target in rewrites:
        key: int | None = target
        while key is not None and key not in on_path:
            on_path.add(key)
            parent = parents.get(key)
            key = id(parent) if parent is not None else None

    class Rewriter(cst.CSTTransformer):
        def on_visit(self, node: cst.CSTNode) -> bool:
            return id(node) in on_path

        def on_leave(  # type: ignore[override]
            self, original_node: cst.CSTNode, updated_node: cst.CSTNode
        ) -> cst.CSTNode | cst.FlattenSentinel[cst.CSTNode]:
            for _, rewrite in rewrites.get(id(original_node), ()):
                updated_node = rewrite(updated_node)
            inserted = insertions.get(id(original_node))
            return inserted.around(updated_node) if inserted is not None else updated_node

    result = module.visit(Rewriter())
    assert isinstance(result, cst.Module)
    return result


def text_edits(old: str, new: str) -> list[Edit]:
    """The minimal-ish edits that turn `old` into `new`: changed line blocks, narrowed to changed characters."""
    if old == new:
        return []
    old_lines = split_lines(old)
    new_lines = split_lines(new)
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_lines), len(new_lines)) - head
        and old_lines[len(old_lines) - 1 - tail] == new_lines[len(new_lines) - 1 - tail]
    ):
        tail += 1
    old_middle = old_lines[head : len(old_lines) - tail]
    new_middle = new_lines[head : len(new_lines) - tail]
    offsets = [0]
    for line in old_lines[: len(old_lines) - tail]:
        offsets.append(offsets[-1] + len(line))
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2])
        prefix = 0
        while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(before), len(after)) - prefix
            and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
        ):
            suffix += 1
        start = offsets[head + i1]
        edits.append(Edit(start + prefix, start + len(before) - suffix, after[prefix : len(after) - suffix]))
    return edits


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to text."""
    ordered: Sequence[Edit] = sorted(edits, key=lambda edit: (edit.start, edit.end))
    pieces: list[str] = []
    cursor = 0
    for edit in ordered:
        if edit.start < cursor:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        pieces.append(text[cursor : edit.start])
        pieces.append(edit.new_text)
        cursor = edit.end
    pieces.append(text[cursor:])
    return "".join(pieces)
