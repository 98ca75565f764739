"""Fixtures for the render tests (a pytest plugin loaded by conftest.py)."""

from __future__ import annotations
