"""Facts about a module's classes: mapped models (relationships, loader strategies, server-generated and
deferred columns, eager defaults) and pydantic schemas (fields, from_attributes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import libcst as cst

from greenlint.semantics.facts import BindingKind, Scope
from greenlint.semantics.infer import Semantics, argument
from greenlint.semantics.locate import TextLocator
from greenlint.semantics.names import DECLARATIVE_BASE, DECLARATIVE_BASE_FACTORIES
from greenlint.semantics.summary import ClassFact, ColumnFact, FieldFact, Loc, RelationshipFact
from greenlint.semantics.tree import code_of

_MAPPED_ANNOTATIONS = {"Mapped": None, "WriteOnlyMapped": "write_only", "DynamicMapped": "dynamic"}
_RELATIONSHIP_CALLS = frozenset({"relationship", "relation", "Relationship"})
_COLUMN_CALLS = frozenset({"Column", "mapped_column", "column_property", "deferred", "Field", "composite"})
_COLLECTIONS = frozenset({"list", "List", "set", "Set", "Sequence", "MutableSequence", "Collection", "frozenset"})
_MAPPINGS = frozenset({"dict", "Dict", "Mapping", "MutableMapping"})
_OPTIONAL = frozenset({"Optional"})
_LAZY_CONSTANTS = {"True": "select", "False": "joined", "None": "noload"}


def _last(qualified: str | None) -> str:
    return (qualified or "").rpartition(".")[2]


def _from_orm_library(qualified: str | None) -> bool:
    return bool(qualified) and qualified.split(".")[0] in ("sqlalchemy", "sqlmodel")  # type: ignore[union-attr]


def _literal(node: cst.BaseExpression | None) -> object:
    """The Python value of a string or True/False/None literal; `...` when it is anything else."""
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.value]
    return ...


def _dict_literal(node: cst.BaseExpression | None) -> dict[str, cst.BaseExpression] | None:
    """`{"key": value}` / `dict(key=value)` with string keys."""
    if isinstance(node, cst.Dict):
        found: dict[str, cst.BaseExpression] = {}
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(key := _literal(element.key), str):
                found[key] = element.value
        return found
    func = node.func if isinstance(node, cst.Call) else None
    called = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
    if isinstance(node, cst.Call) and called in ("dict", "ConfigDict"):
        return {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    return None


class ClassReader:
    """Reads ClassFacts from class bodies, resolving names with a module's semantics."""

    def __init__(self, semantics: Semantics, absolute: Callable[[str], str], locate: TextLocator | None) -> None:
        self.semantics = semantics
        self.absolute = absolute
        self.locate = locate

    def qualified(self, node: cst.BaseExpression, scope: Scope) -> str | None:
        qualified = self.semantics.qualified_name(node, scope)
        return self.absolute(qualified) if qualified else None

    def base_name(self, node: cst.BaseExpression, scope: Scope, module: str) -> str | None:
        """A base class's absolute name: imported, or a class of this module."""
        qualified = self.qualified(node, scope)
        if qualified is not None:
            return qualified
        if isinstance(node, cst.Name):
            found = self.semantics.lookup(node.value, scope)
            if found is not None and found[1].parent is None:  # bound at module level
                return f"{module}.{node.value}" if module else node.value
        return None

    def declarative_base(self, name: str, value: cst.BaseExpression, scope: Scope) -> ClassFact | None:
        """`Base = declarative_base()`: a base class that maps its subclasses."""
        if isinstance(value, cst.Call) and self.qualified(value.func, scope) in DECLARATIVE_BASE_FACTORIES:
            return ClassFact(name, bases=(DECLARATIVE_BASE,), loc=self.locate.assignment(name) if self.locate else None)
        return None

    def read(self, node: cst.ClassDef, scope: Scope, module: str) -> ClassFact:
        outer = scope.parent or scope
        bases = tuple(name for arg in node.bases if (name := self.base_name(arg.value, outer, module)) is not None)
        table = any(
            arg.keyword is not None and arg.keyword.value == "table" and _literal(arg.value) is True
            for arg in node.keywords
        )
        reading = _ClassBody(self, scope, node.name.value)
        for statement in node.body.body:
            reading.statement(statement)
        return ClassFact(
            name=node.name.value,
            bases=bases,
            mapped=table or reading.mapped,
            attributes=tuple(reading.attributes),
            relationships=tuple(reading.relationships),
            columns=tuple(reading.columns),
            fields=tuple(reading.fields),
            eager_defaults=reading.eager_defaults,
            from_attributes=reading.from_attributes,
            coroutine_methods=tuple(reading.coroutine_methods),
            loc=self.locate.class_name(node.name.value) if self.locate else None,
        )


class _ClassBody:
    """The statements of one class body, read in order."""

    def __init__(self, reader: ClassReader, scope: Scope, name: str) -> None:
        self.reader = reader
        self.scope = scope
        self.name = name
        self.mapped = False
        self.attributes: list[str] = []
        self.relationships: list[RelationshipFact] = []
        self.columns: list[ColumnFact] = []
        self.fields: list[FieldFact] = []
        self.eager_defaults: bool | None = None
        self.from_attributes: bool | None = None
        self.coroutine_methods: list[str] = []

    def statement(self, statement: cst.BaseStatement | cst.BaseSmallStatement) -> None:
        if isinstance(statement, cst.FunctionDef):
            method = self.scope.bindings.get(statement.name.value, [])
            if statement.asynchronous is not None and method and method[-1].scope and not method[-1].scope.yields:
                self.coroutine_methods.append(statement.name.value)
            return
        if isinstance(statement, cst.ClassDef) and statement.name.value == "Config":
            self._config_class(statement)
            return
        if not isinstance(statement, cst.SimpleStatementLine):
            return
        for small in statement.body:
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                self._attribute(small.target, small.annotation.annotation, small.value)
            elif isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                if isinstance(target, cst.Name):
                    self._attribute(target, None, small.value)

    def _config_class(self, node: cst.ClassDef) -> None:
        """`class Config: orm_mode = True` / `from_attributes = True` (pydantic v1 style)."""
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not isinstance(small, cst.Assign):
                    continue
                target = small.targets[0].target
                if isinstance(target, cst.Name) and target.value in ("orm_mode", "from_attributes"):
                    self.from_attributes = _literal(small.value) is True

    def _attribute(
        self, target: cst.Name, annotation: cst.BaseExpression | None, value: cst.BaseExpression | None
    ) -> None:
        name = target.value
        if name in ("__tablename__", "__table__"):
            self.mapped = True
            return
        if name == "__mapper_args__":
            options = _dict_literal(value)
            if options is not None:
                self.eager_defaults = _literal(options.get("eager_defaults")) is True
            return
        if name == "model_config":
            config = _dict_literal(value)
            if config is not None and "from_attributes" in config:
                self.from_attributes = _literal(config["from_attributes"]) is True
            return
        mapped_strategy: str | None = None
        is_mapped_annotation = False
        if annotation is not None:
            outer = annotation.value if isinstance(annotation, cst.Subscript) else annotation
            qualified = self.reader.qualified(outer, self.scope)
            if _from_orm_library(qualified) and _last(qualified) in _MAPPED_ANNOTATIONS:
                is_mapped_annotation = True
                mapped_strategy = _MAPPED_ANNOTATIONS[_last(qualified)]
        call = value if isinstance(value, cst.Call) else None
        called = self.reader.qualified(call.func, self.scope) if call is not None else None
        if call is not None and _from_orm_library(called) and _last(called) in _RELATIONSHIP_CALLS:
            self.mapped = True
            self.attributes.append(name)
            self.relationships.append(self._relationship(target, annotation, call, mapped_strategy))
            return
        if call is not None and _from_orm_library(called) and _last(called) in _COLUMN_CALLS:
            self.mapped = self.mapped or _last(called) != "Field"
            self.attributes.append(name)
            column = self._column(target, call, _last(called))
            if column is not None:
                self.columns.append(column)
        elif is_mapped_annotation:
            self.mapped = True
            self.attributes.append(name)
        if annotation is not None and not name.startswith("_") and not self._is_class_var(annotation):
            target_name, many = self._annotation_target(annotation)
            self.fields.append(FieldFact(name, target_name, many))

    def _is_class_var(self, annotation: cst.BaseExpression) -> bool:
        outer = annotation.value if isinstance(annotation, cst.Subscript) else annotation
        return _last(self.reader.qualified(outer, self.scope)) == "ClassVar"

    def _relationship(
        self, target: cst.Name, annotation: cst.BaseExpression | None, call: cst.Call, mapped_strategy: str | None
    ) -> RelationshipFact:
        lazy_node = argument(call, 99, "lazy")
        if lazy_node is None:
            extra = _dict_literal(argument(call, 99, "sa_relationship_kwargs"))
            lazy_node = extra.get("lazy") if extra is not None else None
        lazy: str | None
        if lazy_node is None:
            lazy = mapped_strategy or "select"
        elif isinstance(lazy_node, cst.Name) and lazy_node.value in _LAZY_CONSTANTS:
            lazy = _LAZY_CONSTANTS[lazy_node.value]
        else:
            value = _literal(lazy_node)
            lazy = value if isinstance(value, str) else None
        related, many = self._annotation_target(annotation) if annotation is not None else (None, False)
        explicit = argument(call, 0, "argument")
        if explicit is not None:
            written = _literal(explicit)
            if isinstance(written, str):
                related = written.strip()
            elif isinstance(explicit, (cst.Name, cst.Attribute)):
                related = code_of(explicit)
        uselist = _literal(argument(call, 99, "uselist"))
        known_many: bool | None = many if annotation is not None else None
        if isinstance(uselist, bool):
            known_many = uselist
        return RelationshipFact(target.value, related or "", lazy, known_many, self._locate(target))

    def _column(self, target: cst.Name, call: cst.Call, constructor: str) -> ColumnFact | None:
        if constructor == "Field":
            inner = argument(call, 99, "sa_column")
            if not isinstance(inner, cst.Call):
                return None
            call = inner
        elif constructor == "deferred":
            inner = argument(call, 0, "column")
            return ColumnFact(
                target.value,
                fetched_on_update=isinstance(inner, cst.Call) and self._fetched_on_update(inner),
                deferred=True,
                loc=self._locate(target),
            )
        fetched = self._fetched_on_update(call)
        deferred = _literal(argument(call, 99, "deferred")) is True
        if not (fetched or deferred):
            return None
        return ColumnFact(target.value, fetched, deferred, self._locate(target))

    def _locate(self, target: cst.Name) -> Loc | None:
        locate = self.reader.locate
        return locate.member(self.name, target.value) if locate is not None else None

    def _fetched_on_update(self, call: cst.Call) -> bool:
        """A value the database computes on UPDATE, which the flush leaves unloaded (expired)."""
        server = argument(call, 99, "server_onupdate")
        if server is not None and _literal(server) is not None:
            return True
        onupdate = argument(call, 99, "onupdate")
        # A Python callable or constant is computed before the UPDATE and kept; a SQL expression is not.
        return isinstance(onupdate, cst.Call) and _from_orm_library(self.reader.qualified(onupdate.func, self.scope))

    def _annotation_target(self, annotation: cst.BaseExpression, depth: int = 0) -> tuple[str | None, bool]:
        """The class an annotation names, as written, and whether it is a collection of it."""
        if depth > 6:
            return None, False
        if isinstance(annotation, cst.SimpleString):
            text = annotation.evaluated_value
            parsed = _string_annotation(text) if isinstance(text, str) else None
            return self._annotation_target(parsed, depth + 1) if parsed is not None else (None, False)
        if isinstance(annotation, cst.Subscript):
            outer = _last(self.reader.qualified(annotation.value, self.scope)) or _plain_name(annotation.value)
            elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
            if not elements:
                return None, False
            if outer in _MAPPED_ANNOTATIONS and _MAPPED_ANNOTATIONS[outer] is not None:  # WriteOnly, Dynamic
                return self._annotation_target(elements[0], depth + 1)[0], True
            if outer in _MAPPED_ANNOTATIONS or outer in _OPTIONAL or outer == "Annotated":
                return self._annotation_target(elements[0], depth + 1)
            if outer in _COLLECTIONS or outer in _MAPPINGS:  # a mapping collection: the values are the objects
                inner, _ = self._annotation_target(elements[-1], depth + 1)
                return inner, True
            return None, False
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            sides = [side for side in (annotation.left, annotation.right) if _literal(side) is not None]
            return self._annotation_target(sides[0], depth + 1) if len(sides) == 1 else (None, False)
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            written = code_of(annotation)
            found = self.reader.semantics.lookup(written, self.scope) if isinstance(annotation, cst.Name) else None
            if found is not None and found[0][0].kind is BindingKind.IMPORT:
                qualified = self.reader.absolute(found[0][0].qualified or written)
                if qualified.split(".")[0] in ("builtins", "typing", "datetime", "decimal", "uuid", "enum"):
                    return None, False
            return written, False
        return None, False


_DOTTED = re.compile(r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*")


@lru_cache(maxsize=1024)
def _string_annotation(text: str) -> cst.BaseExpression | None:
    """A string annotation as an expression: `"Book"`, `"list[Book]"` (parsing only what is not a plain name)."""
    plain = _DOTTED.fullmatch(text)
    if plain is not None:
        first, *rest = plain.group(1).split(".")
        node: cst.BaseExpression = cst.Name(first)
        for part in rest:
            node = cst.Attribute(node, cst.Name(part))
        return node
    try:
        return cst.parse_expression(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def _plain_name(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else ""
