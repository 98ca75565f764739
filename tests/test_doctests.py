"""The examples in docstrings run."""

import doctest
import importlib

import pytest

MODULES = ["tracker.diff", "tracker.ingest.text", "tracker.nlp.components", "tracker.nlp.analyse", "tracker.compare"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0
