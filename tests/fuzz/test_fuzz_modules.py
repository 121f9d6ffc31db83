"""Fuzzing: for every generated module, analysis never raises nor records a rule failure, findings lie inside the
text, every offered fix (safe, unsafe, alternative) yields code that parses and compiles, removes its finding and
adds none of the same code where it changed the text, fixing everything twice equals fixing once, CRLF files
keep their line endings, and a module analysed as a saved file (with a module name) gets the findings it gets as an
untitled document (see fuzztools.check_module).

The budget is GREENLINT_FUZZ_EXAMPLES in total (300 by default, shared out below); the slow run is
`GREENLINT_FUZZ_EXAMPLES=10000 python -m pytest tests/fuzz -q`. Examples are derandomized unless
GREENLINT_FUZZ_RANDOM=1. A failure found here is shrunk, fixed, and kept as a plain test in
tests/unit/test_fuzz_regressions.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzztools import (
    ENCODINGS,
    SEEDS,
    SHOP_MODULES,
    Workspace,
    check_file,
    check_module,
    fuzz_settings,
    generated_modules,
    mutated_seeds,
    shop_copy,
    shop_workspaces,
)

# hypothesmith compiles what it generates: the warnings of that code (`1()`) are not the tests' concern
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")


def test_there_are_seeds() -> None:
    assert len(SEEDS) > 100
    assert SHOP_MODULES


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_every_seed_unmutated(seed: int) -> None:
    """The baseline: each seed as it is (the mutations below add CRLF line endings)."""
    check_module(SEEDS[seed])


@fuzz_settings(0.45)
@given(mutated_seeds())
def test_mutated_seeds(text: str) -> None:
    check_module(text)


@fuzz_settings(0.2)
@given(generated_modules())
def test_generated_modules(text: str) -> None:
    check_module(text)


@fuzz_settings(0.25)
@given(shop_workspaces())
def test_mutated_shop_workspaces(
    tmp_path_factory: pytest.TempPathFactory, workspace: tuple[dict[str, str], str]
) -> None:
    """examples/shop on disk with some modules mutated: one module checked with the workspace index."""
    changed, target = workspace
    root = tmp_path_factory.mktemp("shop")
    index = shop_copy(root, changed)
    path = root / target
    check_module(path.read_bytes().decode("utf-8"), Workspace(index, path))


@fuzz_settings(0.1)
@given(mutated_seeds(), st.sampled_from(ENCODINGS))
def test_checking_and_fixing_files(tmp_path_factory: pytest.TempPathFactory, text: str, encoding: str) -> None:
    check_file(text, encoding, tmp_path_factory.mktemp("fuzz"))
