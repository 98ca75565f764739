"""Shared fixtures. Area fixtures live in tests/fixtures_<area>.py, loaded as plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPORA = ROOT / "corpora"

pytest_plugins = ["fixtures_ingest", "fixtures_store", "fixtures_render"]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def root_dir() -> Path:
    return ROOT
