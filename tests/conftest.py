"""Fixtures shared by every test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetools import SHARED_CASES


@pytest.fixture
def shared_cases() -> Path:
    if not SHARED_CASES.is_dir():
        pytest.skip("../shared/cases is not next to this checkout")
    return SHARED_CASES
