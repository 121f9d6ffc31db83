"""Shared by the implicit-IO rules (GL101-GL104): where definitions are, what loaded an instance, and the
rewrites their fixes are made of (loader options, refreshes, awaitable_attrs)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import libcst as cst

from greenlint.core.finding import Related
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import RuleContext, Verified
from greenlint.rules.common import snippet
from greenlint.semantics.facts import BindingKind
from greenlint.semantics.loader_options import RelationshipPath
from greenlint.semantics.models import Definition, Model, Relationship
from greenlint.semantics.orm_state import Origin
from greenlint.semantics.values import Value

MISSING_GREENLET = "MissingGreenlet (greenlet_spawn has not been called)"


def class_member_node(context: RuleContext, class_name: str, member: str | None) -> cst.CSTNode | None:
    """The name node of a class of the analysed module, or of one of its attributes."""
    for binding in context.facts.root.bindings.get(class_name, ()):
        node = binding.node
        if binding.kind is not BindingKind.CLASS or not isinstance(node, cst.ClassDef):
            continue
        if member is None:
            return node.name
        for statement in node.body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                targets = [small.target] if isinstance(small, cst.AnnAssign) else []
                targets += [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
                for target in targets:
                    if isinstance(target, cst.Name) and target.value == member:
                        return target
    return None


def member_related(context: RuleContext, message: str, owner: Definition, member: str | None) -> list[Related]:
    """Where a class (or its attribute) is defined: a node of this module, or a place in another file."""
    if owner.path is None:
        node = class_member_node(context, owner.fact.name, member)
        return [Related(message, node)] if node is not None else []
    fact = owner.fact
    place = owner.place()
    if member is not None:
        relationships = [item for item in fact.relationships if item.name == member]
        columns = [item for item in fact.columns if item.name == member]
        place = owner.place(relationships[0]) if relationships else owner.place(columns[0]) if columns else place
    return [Related(message, place=place)] if place is not None else []


def factory_related(value: Value | None) -> list[Related]:
    """Where the session factory (or the session) that decides expire_on_commit is created."""
    if value is None:
        return []
    creator = value.factory or value
    message = "the session factory" if value.factory is not None else "the session"
    if isinstance(creator.origin, cst.Call):
        return [Related(f"{message} is created here", creator.origin)]
    if creator.place is not None:
        return [Related(f"{message} is created here", place=creator.place)]
    return []


def origin_label(origin: Origin) -> str:
    """How the instances were loaded, for a message."""
    producer = origin.producer
    if producer is None:
        return "the helper that loads them"
    model = snippet(producer.model_node, 30)
    if producer.is_get and isinstance(producer.call.func, cst.Attribute):
        return f"`{snippet(producer.call.func.value, 20)}.get({model}, ...)`"
    return f"`select({model})`"


def relationship_label(relationship: Relationship) -> str:
    return f"`{relationship.owner.fact.name}.{relationship.name}`"


def defined_in(owner: Definition) -> str:
    """` in app.models` for a definition of another module, for messages read outside an editor."""
    return f" in {owner.module}" if owner.path is not None and owner.module else ""


def factory_label(value: Value | None, context: RuleContext) -> str:
    """The factory (or session constructor) that decides expire_on_commit: "`SessionLocal` in app.db"."""
    creator = (value.factory or value) if value is not None else None
    if creator is None:
        return "the session's factory"
    if creator.place is not None and creator.place.name:
        module = f" in {creator.place.module}" if creator.place.module else ""
        return f"`{creator.place.name}`{module}"
    if isinstance(creator.origin, cst.Call):
        for name, bindings in context.facts.root.bindings.items():
            if any(binding.value is creator.origin for binding in bindings):
                return f"`{name}`"
        return f"`{snippet(creator.origin.func)}(...)`"
    return "the session's factory"


def path_relationships(context: RuleContext, model: str, path: RelationshipPath) -> list[Relationship] | None:
    """The relationships along a path from a model, or None if one of them is unknown."""
    found: list[Relationship] = []
    current: Model | None = context.workspace.model(model)
    for step in path:
        relationship = current.relationships.get(step) if current is not None else None
        if relationship is None or relationship.target is None:
            return None
        found.append(relationship)
        current = context.workspace.model(relationship.target)
    return found


def loader_option(builder: FixBuilder, root: cst.BaseExpression, steps: Sequence[Relationship]) -> cst.BaseExpression:
    """`selectinload(Root.a).selectinload(A.b)`, importing selectinload and the intermediate classes as needed."""
    loader = builder.import_name("sqlalchemy.orm", "selectinload")
    option: cst.BaseExpression = cst.Call(loader, [cst.Arg(cst.Attribute(root, cst.Name(steps[0].name)))])
    for previous, step in itertools.pairwise(steps):
        target = previous.target
        assert target is not None
        module, _, name = target.rpartition(".")
        owner = builder.import_name(module, name) if module else cst.Name(name)
        option = cst.Call(
            cst.Attribute(option, cst.Name("selectinload")), [cst.Arg(cst.Attribute(owner, cst.Name(step.name)))]
        )
    return option


def add_loader_options(builder: FixBuilder, origin: Origin, paths: Sequence[Sequence[Relationship]]) -> None:
    """Add `selectinload(...)` options to the statement (or `session.get` call) that loads the instances."""
    producer = origin.producer
    assert producer is not None
    root = producer.model_node

    def rewrite(node: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        options = [loader_option(builder, root, steps) for steps in paths]
        if not producer.is_get:
            return cst.Call(cst.Attribute(node, cst.Name("options")), [cst.Arg(option) for option in options])
        args = list(node.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == "options" and isinstance(arg.value, cst.List):
                elements = [*arg.value.elements, *(cst.Element(option) for option in options)]
                args[index] = arg.with_changes(value=arg.value.with_changes(elements=_commas(elements)))
                return node.with_changes(args=args)
        equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        keyword = cst.Arg(cst.List([cst.Element(option) for option in options]), cst.Name("options"), equal=equal)
        if args and args[-1].comma != cst.MaybeSentinel.DEFAULT:  # a trailing comma stays last
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(args=[*args, keyword])

    builder.rewrite(producer.call, rewrite, key=("options", tuple(tuple(s.name for s in steps) for steps in paths)))


def _commas(elements: list[cst.BaseElement]) -> list[cst.BaseElement]:
    """Elements separated by commas (the last keeps its own)."""
    return [
        element.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if index < len(elements) - 1 and element.comma == cst.MaybeSentinel.DEFAULT
        else element
        for index, element in enumerate(elements)
    ]


def refresh_statement(session: str, variable: str, names: Sequence[str] | None = None) -> cst.BaseStatement:
    """`await session.refresh(variable)` / `await session.refresh(variable, ["col"])`."""
    listed = f", [{', '.join(repr(name).replace(chr(39), chr(34)) for name in names)}]" if names else ""
    return cst.parse_statement(f"await {session}.refresh({variable}{listed})\n")


def awaitable_attribute(node: cst.CSTNode) -> cst.CSTNode:
    """`obj.rel` -> `(await obj.awaitable_attrs.rel)` (AsyncAttrs loads it asynchronously)."""
    assert isinstance(node, cst.Attribute)
    inner = cst.Attribute(cst.Attribute(node.value, cst.Name("awaitable_attrs")), node.attr)
    return cst.Await(inner, lpar=[cst.LeftParen(), *node.lpar], rpar=[*node.rpar, cst.RightParen()])


def missing_greenlet_by_version(test: str) -> tuple[Verified, Verified]:
    """The exception an implicit load raises, as `test` observes it on each SQLAlchemy line and driver."""
    fixed = "the program runs without an exception, with nothing on stderr."
    return (
        Verified(
            "the error, SQLAlchemy 2.0",
            "aiosqlite and asyncpg both raise `MissingGreenlet` itself: "
            "`greenlet_spawn has not been called; can't call await_only() here`.",
            fixed,
            test,
            sqlalchemy=("2.0",),
        ),
        Verified(
            "the error, SQLAlchemy 2.1",
            "asyncpg raises `MissingGreenlet` itself (`greenlet_spawn has not been called; can't call await_() here`); "
            "aiosqlite raises `StatementError`, quoting `(sqlalchemy.exc.MissingGreenlet)` and the SQL.",
            fixed,
            test,
            sqlalchemy=("2.1",),
        ),
    )
