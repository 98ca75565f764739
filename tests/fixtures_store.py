"""Fixtures for the store tests (a pytest plugin loaded by conftest.py)."""

from __future__ import annotations
