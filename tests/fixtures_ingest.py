"""Fixtures for the ingest tests (a pytest plugin loaded by conftest.py)."""

from __future__ import annotations
