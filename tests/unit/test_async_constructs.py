"""GL005 against the compiler: it fires exactly when `compile()` rejects an async construct in a function.

Module-level and class-body constructs also fail to compile, but GL005 deliberately leaves them alone
(there is no function to make async); that is asserted separately.
"""

from __future__ import annotations

import re
import sys

import pytest

from greenlint.core.analysis import analyze
from greenlint.rules.registry import ALL_RULES

_ASYNC_MESSAGE = re.compile(r"await|async|asynchronous", re.IGNORECASE)
# Python 3.10 also rejects async comprehensions nested in other comprehensions (accepted since 3.11).
_NEEDS_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="3.10 rejects nested async comprehensions")

# name -> code; every snippet holds at most one async construct that could be illegal.
FUNCTION_SNIPPETS = {
    "await-in-def": "def f(x):\n    return await x\n",
    "await-in-async-def": "async def f(x):\n    return await x\n",
    "async-with-in-def": "def f(x):\n    async with x:\n        pass\n",
    "async-with-in-async-def": "async def f(x):\n    async with x as y:\n        return y\n",
    "async-with-two-items-in-def": "def f(a, b):\n    async with a, b:\n        pass\n",
    "async-with-inside-with-in-def": "def f(a, b):\n    with a:\n        async with b:\n            pass\n",
    "async-for-in-def": "def f(xs):\n    async for x in xs:\n        pass\n",
    "async-for-in-async-def": "async def f(xs):\n    async for x in xs:\n        pass\n",
    "async-listcomp-in-def": "def f(xs):\n    return [x async for x in xs]\n",
    "async-listcomp-in-async-def": "async def f(xs):\n    return [x async for x in xs]\n",
    "async-dictcomp-in-def": "def f(xs):\n    return {x: x async for x in xs}\n",
    "await-listcomp-in-def": "def f(xs):\n    return [await x for x in xs]\n",
    "await-setcomp-in-def": "def f(xs):\n    return {await x for x in xs}\n",
    "await-dictcomp-value-in-def": "def f(xs):\n    return {x: await x for x in xs}\n",
    "await-dictcomp-key-in-def": "def f(xs):\n    return {await k: v for k, v in xs}\n",
    "await-listcomp-condition-in-def": "def f(xs):\n    return [x for x in xs if await x]\n",
    "await-listcomp-first-iterable-in-def": "def f(xs):\n    return [x for x in await xs]\n",
    "await-in-lambda": "f = lambda x: await x\n",
    "await-in-lambda-in-async-def": "async def f(xs):\n    return sorted(xs, key=lambda x: await x)\n",
    "async-listcomp-in-lambda": "g = lambda xs: [x async for x in xs]\n",
    "async-listcomp-in-lambda-in-async-def": "async def f(xs):\n    return lambda: [x async for x in xs]\n",
    "await-lambda-default-in-async-def": "async def f(x):\n    return lambda y=await x: y\n",
    "await-lambda-default-in-def": "def f(x):\n    return lambda y=await x: y\n",
    "nested-def-in-async-def": "async def f(x):\n    def g():\n        return await x\n    return g\n",
    "nested-async-def-in-def": "def f(x):\n    async def g():\n        return await x\n    return g\n",
    "async-generator-in-def": "def f():\n    async def g(xs):\n        async for x in xs:\n"
    "            yield x\n    return g\n",
    "await-in-method": "class C:\n    def m(self, x):\n        return await x\n",
    "await-in-async-method": "class C:\n    async def m(self, x):\n        return await x\n",
    # Generator expressions are their own async context; their first iterable is evaluated outside.
    "genexp-await-in-def": "def f(xs):\n    return (await x for x in xs)\n",
    "genexp-async-for-in-def": "def f(xs):\n    return (x async for x in xs)\n",
    "genexp-await-in-lambda": "g = lambda xs: (await x for x in xs)\n",
    "genexp-async-for-at-module-level": "g = lambda xs: (x async for x in xs)\n",
    "genexp-await-condition-in-def": "def f(xs):\n    return (x for x in xs if await x)\n",
    "genexp-first-iterable-in-def": "def f(xs):\n    return (x for x in await xs)\n",
    "genexp-first-iterable-in-async-def": "async def f(xs):\n    return (x for x in await xs)\n",
    "genexp-second-iterable-in-def": "def f(xss):\n    return (x for xs in xss for x in await xs)\n",
    "genexp-first-iterable-in-lambda-in-async-def": "async def f(y):\n    return lambda: (x for x in await y)\n",
    "nested-genexp-outer-first-iterable-in-def": "def f(xss):\n"
    "    return ((await x for x in xs) for xs in await xss)\n",
    "genexp-of-async-genexp-in-def": "def f(xss):\n    return (x for x in (await y for y in xss))\n",
    "inner-genexp-first-iterable-in-genexp": "def f(xss):\n    return ((y for y in await xs) for xs in xss)\n",
    "listcomp-in-first-iterable-of-genexp": "def f(xss):\n    return (y for y in [await x for x in xss])\n",
    "listcomp-deep-in-first-iterables": "def f(xss):\n    return (y for y in (z for z in [await x for x in xss]))\n",
    "genexp-in-listcomp-in-def": "def f(xss):\n    return [(await x for x in xs) for xs in xss]\n",
    "listcomp-in-listcomp-in-def": "def f(xss):\n    return [[await x for x in xs] for xs in xss]\n",
    "lambda-in-genexp-in-def": "def f(xs):\n    return (lambda: await x for x in xs)\n",
    "listcomp-in-lambda-in-genexp": "def f(xss):\n    return (lambda: [await x for x in xs] for xs in xss)\n",
    # Other places an await can hide in a plain def.
    "fstring-in-def": "def f(x):\n    return f'{await x}'\n",
    "fstring-format-spec-in-def": "def f(x, y):\n    return f'{x:{await y}}'\n",
    "walrus-in-def": "def f(x):\n    if (y := await x):\n        return y\n",
    "ternary-in-def": "def f(x, c):\n    return 1 if c else await x\n",
    "finally-in-def": "def f(x):\n    try:\n        pass\n    finally:\n        await x\n",
    "while-condition-in-def": "def f(x):\n    while await x:\n        pass\n",
    "for-else-in-def": "def f(xs, y):\n    for x in xs:\n        pass\n    else:\n        await y\n",
    "except-type-in-def": "def f(y):\n    try:\n        pass\n    except (await y):\n        pass\n",
    "match-case-in-def": "def f(x, y):\n    match x:\n        case _:\n            await y\n",
    "assert-message-in-def": "def f(x, y):\n    assert x, await y\n",
    "raise-in-def": "def f(y):\n    raise await y\n",
    "yield-in-def": "def f(y):\n    yield await y\n",
    "sync-with-item-in-def": "def f(y):\n    with (await y):\n        pass\n",
    "starred-in-def": "def f(y):\n    return [*await y]\n",
    "slice-in-def": "def f(x, y):\n    return x[1:await y]\n",
    "keyword-argument-in-def": "def f(g, y):\n    return g(k=await y)\n",
    "augmented-assignment-in-def": "def f(x, y):\n    x += await y\n    return x\n",
    "del-in-def": "def f(x, y):\n    del x[await y]\n",
    # Defaults, decorators, bases and annotations run in the enclosing scope.
    "default-in-nested-def-of-async-def": "async def f(x):\n    def g(y=await x):\n        return y\n    return g\n",
    "default-in-nested-async-def-of-def": "def f(x):\n    async def g(y=await x):\n        return y\n    return g\n",
    "decorator-in-async-def": "async def f(d):\n    @await d\n    def g():\n        pass\n    return g\n",
    "decorator-in-def": "def f(d):\n    @await d\n    async def g():\n        pass\n    return g\n",
    "class-decorator-in-def": "def f(d):\n    @await d\n    class C:\n        pass\n    return C\n",
    "class-base-in-def": "def f(b):\n    class C(await b):\n        pass\n    return C\n",
    "class-base-in-async-def": "async def f(b):\n    class C(await b):\n        pass\n    return C\n",
    "class-keyword-in-def": "def f(m):\n    class C(metaclass=await m):\n        pass\n    return C\n",
    "parameter-annotation-in-async-def": "async def f(y):\n    def g(x: await y):\n        pass\n    return g\n",
    "parameter-annotation-in-def": "def f(y):\n    async def g(x: await y):\n        pass\n    return g\n",
    "return-annotation-in-def": "def f(y):\n    async def g() -> await y:\n        pass\n    return g\n",
    "local-annotation-in-async-def": "async def f(y):\n    x: await y = 1\n    return x\n",
}
VERSION_DEPENDENT = {
    "listcomp-in-genexp-in-def": "def f(xss):\n    return ([await x for x in xs] for xs in xss)\n",
    "async-listcomp-in-genexp-in-def": "def f(xss):\n    return ([x async for x in xs] for xs in xss)\n",
    "dictcomp-in-genexp-in-def": "def f(xss):\n    return ({x: await x for x in xs} for xs in xss)\n",
    "async-listcomp-in-genexp-condition": "def f(xs, ys):\n    return (x for x in xs if [y async for y in ys])\n",
    "listcomp-in-listcomp-in-async-def": "async def f(xss):\n    return [[await x for x in xs] for xs in xss]\n",
}
LOCAL_ANNOTATIONS = {
    # A local variable's annotation is never evaluated in a function body, so the await in it is legal.
    "local-annotation-in-def": "def f(y):\n    x: await y = 1\n    return x\n",
}
# Constructs at module level or directly in a class body: not compilable, deliberately not GL005's business.
IGNORED_SNIPPETS = {
    "module-await": "await x\n",
    "module-async-with": "async with x:\n    pass\n",
    "module-async-for": "async for x in xs:\n    pass\n",
    "module-async-listcomp": "ys = [x async for x in xs]\n",
    "module-await-listcomp": "ys = [await x for x in xs]\n",
    "module-genexp-first-iterable": "ys = (x for x in await xs)\n",
    "module-annotation": "x: await y = 1\n",
    "class-body-await": "class C:\n    y = await x\n",
    "class-body-async-listcomp": "class C:\n    ys = [x async for x in xs]\n",
    "class-body-in-def": "def f(x):\n    class C:\n        y = await x\n    return C\n",
    "class-body-in-async-def": "async def f(x):\n    class C:\n        y = await x\n    return C\n",
    "class-body-comprehension-in-async-def": "async def f(xs):\n    class C:\n"
    "        ys = [await x for x in xs]\n    return C\n",
}


def compile_error(code: str) -> str | None:
    """The compiler's message when it rejects `code`, else None."""
    try:
        compile(code, "x", "exec", dont_inherit=True)
    except SyntaxError as error:
        return error.msg
    return None


def gl005(code: str) -> list[str]:
    analysis = analyze(code, ALL_RULES)
    assert analysis.syntax_error is None
    assert analysis.failures == []
    return [finding.message for finding in analysis.findings if finding.code == "GL005"]


def _params() -> list[object]:
    params: list[object] = [pytest.param(code, id=name) for name, code in FUNCTION_SNIPPETS.items()]
    params += [pytest.param(code, id=name, marks=_NEEDS_311) for name, code in VERSION_DEPENDENT.items()]
    params += [pytest.param(code, id=name) for name, code in LOCAL_ANNOTATIONS.items()]
    return params


@pytest.mark.parametrize("code", _params())
def test_gl005_fires_iff_the_compiler_rejects(code: str) -> None:
    error = compile_error(code)
    rejected = error is not None and _ASYNC_MESSAGE.search(error) is not None
    if error is not None:
        assert rejected, f"unexpected compile error for the table: {error}"
    messages = gl005(code)
    assert bool(messages) == rejected, (error, messages)
    assert len(messages) <= 1


def test_the_table_has_both_outcomes() -> None:
    outcomes = [compile_error(code) is None for code in FUNCTION_SNIPPETS.values()]
    assert outcomes.count(True) >= 20
    assert outcomes.count(False) >= 30


@pytest.mark.parametrize("code", [pytest.param(code, id=name) for name, code in IGNORED_SNIPPETS.items()])
def test_module_level_and_class_body_constructs_are_ignored(code: str) -> None:
    error = compile_error(code)
    assert error is not None and _ASYNC_MESSAGE.search(error)
    assert gl005(code) == []


# For the snippets the compiler rejects inside a plain def (not a lambda), the message quotes its SyntaxError.
def _message_params() -> list[object]:
    params: list[object] = []
    for name, code in FUNCTION_SNIPPETS.items():
        error = compile_error(code)
        if error is None or "lambda" in name:
            continue
        params.append(pytest.param(code, error, id=name))
    return params


@pytest.mark.parametrize(("code", "error"), _message_params())
def test_message_quotes_the_compiler(code: str, error: str) -> None:
    messages = gl005(code)
    assert len(messages) == 1
    assert f"SyntaxError: {error}" in messages[0]


def test_lambda_message_and_no_fix() -> None:
    analysis = analyze("async def f(xs):\n    return sorted(xs, key=lambda x: await x)\n", ALL_RULES)
    [finding] = [finding for finding in analysis.findings if finding.code == "GL005"]
    assert "lambda" in finding.message
    assert finding.fix is None


def test_every_construct_in_a_function_is_reported_once_and_located() -> None:
    code = (
        "def f(db, q, xs):\n"
        "    await db.commit()\n"
        "    async with db.begin():\n"
        "        pass\n"
        "    async for x in xs:\n"
        "        pass\n"
        "    return [x async for x in xs], (await x for x in xs)\n"
    )
    analysis = analyze(code, ALL_RULES)
    found = [(f.start.line, f.start.column, f.end.line, f.end.column) for f in analysis.findings if f.code == "GL005"]
    # `await db.commit()`; `async with db.begin()`; `async for x in xs`; `async for x in xs` of the list comp.
    assert found == [(2, 5, 2, 22), (3, 5, 3, 26), (5, 5, 5, 22), (7, 15, 7, 32)]
    fixes = {f.fix.key for f in analysis.findings if f.code == "GL005" and f.fix is not None}
    assert len(fixes) == 1
    fixed = analysis.fixed_text([f.fix for f in analysis.findings if f.fix is not None][:1])
    assert fixed.startswith("async def f(db, q, xs):\n")
    assert compile_error(fixed) is None
