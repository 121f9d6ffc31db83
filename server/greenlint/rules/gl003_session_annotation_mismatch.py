"""GL003 session-annotation-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from greenlint.core.finding import Applicability, Fix, Related, Report, Severity
from greenlint.core.fixer import FixBuilder
from greenlint.rules.base import Rule, RuleContext, Verified, invalid, valid
from greenlint.rules.common import name_node, snippet
from greenlint.semantics.facts import Binding, BindingKind, Scope
from greenlint.semantics.infer import Dependency, Semantics
from greenlint.semantics.names import ANNOTATED, CANONICAL_SESSION_CLASS, OPTIONAL, SESSION_CLASSES
from greenlint.semantics.values import Kind, Value


def session_type_node(annotation: cst.BaseExpression, scope: Scope, semantics: Semantics) -> cst.BaseExpression:
    """The node naming the session class inside an annotation (through Annotated, Optional and aliases)."""
    node = annotation
    for _ in range(8):
        if isinstance(node, cst.Subscript):
            qualified = semantics.qualified_name(node.value, scope)
            if qualified not in ANNOTATED and qualified not in OPTIONAL:
                return node
            elements = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
            candidates = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
            if not candidates:
                return node
            node = candidates[0]
        elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
            right_none = isinstance(node.right, cst.Name) and node.right.value == "None"
            node = node.left if right_none else node.right
        elif isinstance(node, cst.Name):
            found = semantics.lookup(node.value, scope)
            if found is None or len(found[0]) != 1 or found[0][0].kind is not BindingKind.ASSIGN:
                return node
            alias = found[0][0].value
            if alias is None:
                return node
            node, scope = alias, found[1]
        else:
            return node
    return node


class SessionAnnotationMismatch(Rule):
    code = "GL003"
    name = "session-annotation-mismatch"
    severity = Severity.INFORMATION
    needles = ("import",)  # the annotation, the alias or the dependency may come from another module
    summary = "A parameter annotated `Session` receives an AsyncSession from its dependency (or the reverse)."
    explanation = """
FastAPI ignores a parameter's annotation when a `Depends(...)` provides it: a route declared
`db: Session = Depends(get_db)` receives whatever `get_db` yields. When that is an `AsyncSession` the code
runs, but type checkers, IDE completion and readers are misled: `db.query(...)` and un-awaited `db.commit()`
look valid, and they fail at runtime (GL004, GL002). The reverse (`AsyncSession` annotation on a sync
session) hides blocking calls in the same way.
"""
    fix_description = """
Changes the annotation to the class the dependency really provides (`AsyncSession` from
`sqlalchemy.ext.asyncio`, SQLModel's `AsyncSession` when that is what it yields, or `Session`), adding the
import. Safe: annotations do not change what FastAPI injects.
"""
    verified = (
        Verified(
            case="a route annotated `Session` whose dependency yields an AsyncSession",
            outcome="Nothing fails: FastAPI ignores the annotation and injects an `AsyncSession` (HTTP `200`); only "
            "readers and type checkers are misled.",
            fixed="The annotation says `AsyncSession`; the route behaves the same.",
            test="test_engines_and_awaits.py::test_gl003_fastapi_ignores_the_annotation",
            databases=("SQLite",),
        ),
    )
    examples = (
        invalid(
            """
            from fastapi import Depends, FastAPI
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
            from sqlalchemy.orm import Session

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
            app = FastAPI()


            async def get_db():
                async with Sessions() as db:
                    yield db


            @app.get("/users")
            async def users(db: Session = Depends(get_db)):  # expect: GL003
                return []
            """,
            fixed="""
            from fastapi import Depends, FastAPI
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
            from sqlalchemy.orm import Session

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
            app = FastAPI()


            async def get_db():
                async with Sessions() as db:
                    yield db


            @app.get("/users")
            async def users(db: AsyncSession = Depends(get_db)):  # expect: GL003
                return []
            """,
        ),
        valid(
            """
            from typing import Annotated

            from fastapi import Depends
            from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

            Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


            async def get_db():
                async with Sessions() as db:
                    yield db


            Db = Annotated[AsyncSession, Depends(get_db)]


            async def users(db: Db, other: AsyncSession = Depends(get_db)):
                return []
            """
        ),
    )

    def check(self, context: RuleContext) -> Iterator[Report]:
        semantics = context.semantics
        for scope in context.facts.functions:
            outer = scope.parent or scope
            for name, bindings in scope.bindings.items():
                for binding in bindings:
                    if binding.kind is not BindingKind.PARAM or binding.annotation is None:
                        continue
                    dependency = semantics.dependency_of(binding, scope)
                    provided = semantics.dependency_value(dependency) if dependency is not None else None
                    if provided is None or not provided.kind.is_session or dependency is None:
                        continue
                    type_node = session_type_node(binding.annotation, outer, semantics)
                    declared = semantics.annotation_value(type_node, outer)
                    if declared is None or not declared.kind.is_session or declared.kind is provided.kind:
                        continue
                    names_class = SESSION_CLASSES.get(semantics.qualified_name(type_node, outer) or "") is not None
                    yield self._report(name, binding, type_node, declared, provided, dependency, names_class)

    def _report(
        self,
        name: str,
        binding: Binding,
        type_node: cst.BaseExpression,
        declared: Value,
        provided: Value,
        dependency: Dependency,
        fixable: bool,
    ) -> Report:
        module, class_name = _class_for(provided)
        provider = dependency.name
        consequence = (
            "so `.query()` and un-awaited calls look valid to type checkers and fail at runtime"
            if provided.kind is Kind.ASYNC_SESSION
            else "so blocking calls look like coroutines to type checkers and readers"
        )
        message = (
            f"`{name}` is annotated `{snippet(type_node)}` but `{provider}` provides "
            f"{'an' if provided.kind is Kind.ASYNC_SESSION else 'a'} {provided.kind.value}: FastAPI ignores the "
            f"annotation, {consequence}; annotate it `{class_name}`"
        )

        def build(builder: FixBuilder) -> None:
            replacement = builder.import_name(module, class_name)
            builder.rewrite(type_node, lambda _: replacement, key="annotation")

        # An alias imported from another module (`Db`) is fixed there, not replaced here by a bare class.
        fix = (
            Fix(f"Annotate `{name}` as `{class_name}`", Applicability.SAFE, build, key=("annotate", id(type_node)))
            if fixable
            else None
        )
        annotation = binding.annotation
        assert annotation is not None
        where = f"`{provider}` provides the session"
        if dependency.scope is not None:
            related = [Related(where, name_node(dependency.scope))]
        else:
            related = [Related(where, place=dependency.place)] if dependency.place is not None else []
        return self.report(annotation, message, fix=fix, related=related)


def _class_for(value: Value) -> tuple[str, str]:
    if value.class_name and SESSION_CLASSES.get(value.class_name) is value.kind:
        module, _, name = value.class_name.rpartition(".")
        return module, name
    return CANONICAL_SESSION_CLASS[value.kind]
