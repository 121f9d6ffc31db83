"""Route responses: the pydantic model FastAPI validates a route's return value with, and the relationships it
reads that the returned instances' query leaves to lazy loading."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst

from greenlint.semantics.facts import Scope
from greenlint.semantics.infer import argument
from greenlint.semantics.loader_options import RelationshipPath
from greenlint.semantics.models import Model, Relationship, Schema
from greenlint.semantics.names import ROUTE_METHODS
from greenlint.semantics.orm_state import ModelSource, Objects

SchemaNamed = Callable[[cst.BaseExpression, Scope], "Schema | None"]  # the schema a class expression names


def unloaded(
    schema: Schema, model: Model, value: Objects, models: ModelSource, depth: int = 0
) -> Iterator[tuple[RelationshipPath, Relationship]]:
    """The relationships a response model reads that the instances' origin leaves to lazy loading."""
    if depth > 6:
        return
    for field_name, schema_field in schema.fields.items():
        relationship = model.relationships.get(field_name)
        if relationship is None or relationship.target is None:
            continue
        path = (*value.path, field_name)
        if not relationship.eager and not value.origin.loads(path):
            if relationship.loads_on_access:
                yield path, relationship
            continue
        nested_schema = models.schema(schema_field.target) if schema_field.target else None
        nested_model = models.model(relationship.target)
        if nested_schema is not None and nested_model is not None:
            nested = Objects(value.origin, path, value.state)
            yield from unloaded(nested_schema, nested_model, nested, models, depth + 1)


def response_schema(node: cst.FunctionDef, scope: Scope, schema_named: SchemaNamed) -> Schema | None:
    """The pydantic model FastAPI validates a route's return value with: `response_model=`, else the annotation."""
    outer = scope.parent or scope
    for decorator in node.decorators:
        expression = decorator.decorator
        if not (isinstance(expression, cst.Call) and isinstance(expression.func, cst.Attribute)):
            continue
        if expression.func.attr.value not in ROUTE_METHODS:
            continue
        if any(argument(expression, 99, narrowing) is not None for narrowing in _NARROWING):
            return None  # which fields are serialized is not known here
        given = argument(expression, 99, "response_model")
        if given is None and node.returns is not None:
            given = node.returns.annotation
        return _schema_of(given, outer, schema_named) if given is not None else None
    return None


_NARROWING = ("response_model_include", "response_model_exclude")
_WRAPPERS = frozenset({"list", "List", "Sequence", "Optional", "set", "Set", "tuple", "Tuple", "Iterable"})


def _schema_of(node: cst.BaseExpression, scope: Scope, schema_named: SchemaNamed, depth: int = 0) -> Schema | None:
    if depth > 4:
        return None
    if isinstance(node, cst.Subscript):
        outer = node.value.value if isinstance(node.value, cst.Name) else ""
        if isinstance(node.value, cst.Attribute):
            outer = node.value.attr.value
        elements = [element.slice.value for element in node.slice if isinstance(element.slice, cst.Index)]
        if outer in _WRAPPERS and elements:
            return _schema_of(elements[0], scope, schema_named, depth + 1)
        return None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, cst.Name) and other.value == "None":
                return _schema_of(side, scope, schema_named, depth + 1)
        return None
    return schema_named(node, scope)
