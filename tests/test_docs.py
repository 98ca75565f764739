"""Docs checked by tests: commands documented, tags in the spec, pack fields in the README."""

import json
import re
from pathlib import Path

import click
import pytest

from tracker.cli import cli
from tracker.models import TAG_TYPES, Tag
from tracker.packs import load_pack

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def all_commands():
    out = []
    for name, cmd in cli.commands.items():
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", c) for sub, c in cmd.commands.items()]
        else:
            out.append((name, cmd))
    return out


@pytest.mark.parametrize("name,cmd", all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_docs_every_command_has_help_with_example(name, cmd) -> None:
    assert cmd.help and len(cmd.help) > 40, name
    assert "Example:" in cmd.help, f"{name} help has no Example: block"


@pytest.mark.parametrize("name,cmd", all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_docs_every_command_in_readme(name, cmd) -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"guidance-tracker {name}" in readme or f"`{name}" in readme, f"README does not document `{name}`"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this checkout")
def test_docs_tag_types_match_spec_and_schema() -> None:
    spec = (SHARED / "spec" / "tags.md").read_text()
    in_spec = re.findall(r"^\| `([A-Z_]+)` \|", spec, re.M)
    assert set(in_spec) == set(TAG_TYPES)
    schema = json.loads((SHARED / "spec" / "report.schema.json").read_text())
    assert set(schema["$defs"]["tag"]["properties"]["type"]["enum"]) == set(TAG_TYPES)


def test_docs_every_tag_type_has_an_impact_rule() -> None:
    from tracker.assess import rule_for

    pack = load_pack()
    for t in TAG_TYPES:
        if t != "EDITORIAL":
            assert rule_for(Tag(type=t), pack) is not None, t


def test_docs_pack_readme_documents_every_field() -> None:
    readme = (ROOT / "pipelines" / "children-safeguarding" / "README.md").read_text()
    from tracker import packs

    for key in packs._ROLE_KEYS | packs._MODAL_KEYS | packs._OVERSIGHT_KEYS | packs._TIME_KEYS | packs._RULE_KEYS | packs._WHEN_KEYS:
        assert f"`{key}`" in readme, key
    for ph in packs._PLACEHOLDERS:
        assert "{" + ph + "}" in readme, ph


def test_docs_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text()[:1500]
    assert "make demo" in head and "make test" in head
