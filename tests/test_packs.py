"""Domain packs: loading, validation errors that name file, line and fix; a second pack."""

import shutil
from pathlib import Path

import pytest

from tracker.errors import PackError
from tracker.packs import available_packs, load_pack

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "pipelines" / "children-safeguarding"


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "my-pack"
    shutil.copytree(BASE, dst)
    (dst / "pack.toml").write_text((dst / "pack.toml").read_text().replace('name = "children-safeguarding"', 'name = "my-pack"'))
    return dst


def test_packs_default_loads_with_spec_roles() -> None:
    p = load_pack()
    expected = {
        "statutory_lead": ["director_of_childrens_services", "lead_member", "chief_executive", "safeguarding_partner", "local_authority"],
        "oversight": ["manager", "principal_social_worker", "independent_reviewing_officer", "conference_chair", "designated_safeguarding_lead"],
        "qualified_practitioner": ["social_worker", "nurse", "gp", "health_visitor", "teacher"],
        "practitioner": ["practitioner", "professional", "family_support_worker", "early_help_worker", "staff"],
        "peer": ["colleague"],
        "agency": ["police", "health", "school", "agency"],
        "subject": ["child", "parent", "carer", "family"],
    }
    for cls, ids in expected.items():
        for rid in ids:
            assert p.roles[rid].cls == cls, rid
    assert [p.classes[c] for c in ("statutory_lead", "oversight", "qualified_practitioner", "practitioner", "peer")] == [5, 4, 3, 2, 1]
    assert p.equivalent("professional", "practitioner")


def test_packs_second_pack_is_a_folder() -> None:
    assert {"children-safeguarding", "adult-safeguarding"} <= set(available_packs())
    adult = load_pack("adult-safeguarding")
    assert "registered_manager" in adult.roles and "manager" in adult.roles
    assert adult.sha256 != load_pack().sha256


def test_packs_unknown_pack() -> None:
    with pytest.raises(PackError, match="unknown domain pack 'nope'"):
        load_pack("nope")


def test_packs_unknown_key_names_file_and_line(pack_copy: Path) -> None:
    f = pack_copy / "roles.jsonl"
    lines = f.read_text().splitlines()
    lines.insert(2, '{"id": "team_leader", "class": "oversight", "patterns": ["team leader"], "colour": "red"}')
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(PackError) as e:
        load_pack(pack_copy)
    msg = str(e.value)
    assert "roles.jsonl:3" in msg and "colour" in msg and "allowed keys" in msg and "To fix" in msg


def test_packs_bad_class(pack_copy: Path) -> None:
    f = pack_copy / "roles.jsonl"
    f.write_text(f.read_text() + '{"id": "team_leader", "class": "lead", "patterns": ["team leader"]}\n')
    with pytest.raises(PackError, match=r"roles.jsonl:\d+ role 'team_leader' has unknown class 'lead'"):
        load_pack(pack_copy)


def test_packs_bad_json_line(pack_copy: Path) -> None:
    f = pack_copy / "modals.jsonl"
    f.write_text("{not json\n" + f.read_text())
    with pytest.raises(PackError, match=r"modals.jsonl:1 is not valid JSON"):
        load_pack(pack_copy)


def test_packs_bad_token_attribute(pack_copy: Path) -> None:
    f = pack_copy / "oversight.jsonl"
    f.write_text(f.read_text() + '{"id": "x", "mechanism": "x", "patterns": [[{"LOWR": "x"}]]}\n')
    with pytest.raises(PackError, match="unknown token attribute"):
        load_pack(pack_copy)


def test_packs_rule_errors_name_the_rule(pack_copy: Path) -> None:
    f = pack_copy / "impact_rules.toml"
    text = f.read_text()
    f.write_text(text.replace('severity = "high"', 'severity = "urgent"', 1))
    with pytest.raises(PackError, match="rule 'oversight-role-removed' has severity 'urgent'"):
        load_pack(pack_copy)
    f.write_text(text.replace("procedures = \"Find every", "lawyers = \"Find every", 1))
    with pytest.raises(PackError, match="audience 'lawyers'"):
        load_pack(pack_copy)
    f.write_text(text.replace("{role} is no longer named in this duty: the", "{rolle} is no longer named in this duty: the", 1))
    with pytest.raises(PackError, match=r"unknown placeholder \{rolle\}"):
        load_pack(pack_copy)


def test_packs_every_tag_type_needs_a_catch_all(pack_copy: Path) -> None:
    f = pack_copy / "impact_rules.toml"
    text = f.read_text()
    start = text.index('[[rule]]\nid = "timescale-changed"')
    end = text.index("[[rule]]", start + 5)
    f.write_text(text[:start] + text[end:])
    with pytest.raises(PackError, match="no catch-all rule for TIMESCALE_CHANGED"):
        load_pack(pack_copy)


def test_packs_hash_changes_with_content(pack_copy: Path) -> None:
    h1 = load_pack(pack_copy).sha256
    f = pack_copy / "impact_rules.toml"
    f.write_text(f.read_text().replace("Wording changes from", "The wording changes from"))
    assert load_pack(pack_copy).sha256 != h1


def test_packs_edited_role_changes_tagging(pack_copy: Path) -> None:
    from tracker import compare_texts

    old, new = "The duty officer should agree the plan.", "The practitioner should agree the plan."
    assert not [t for c in compare_texts(old, new, pack=str(pack_copy)).changes for t in c.tags if t.type == "ROLE_REPLACED"]
    f = pack_copy / "roles.jsonl"
    f.write_text(f.read_text() + '{"id": "duty_officer", "class": "oversight", "patterns": ["duty officer"]}\n')
    tags = [t for c in compare_texts(old, new, pack=str(pack_copy)).changes for t in c.tags if t.type == "ROLE_REPLACED"]
    assert tags and tags[0].from_role == "duty_officer" and tags[0].direction == "down"


def test_packs_named_and_designated_health_roles_are_distinct() -> None:
    pack = load_pack(None)
    ids = ["named_doctor", "named_midwife", "named_gp", "named_professional", "designated_doctor", "designated_professional"]
    assert all(pack.roles[i].cls == "oversight" for i in ids)
    # tags.md's own id wins where it exists: a named or designated nurse is a `nurse`
    assert "named_nurse" not in pack.roles and "designated_nurse" not in pack.roles
    assert pack.role_class("nurse") == "qualified_practitioner"
    assert pack.rank("deputy_designated_safeguarding_lead") < pack.rank("designated_safeguarding_lead")


def test_packs_rules_can_match_the_tagging_rule() -> None:
    from tracker.assess import rule_for
    from tracker.models import Tag

    pack = load_pack(None)
    rev = Tag(type="DUTY_REMOVED", actor="staff", modal="must", rule="polarity-reversed")
    plain = Tag(type="DUTY_REMOVED", actor="staff", modal="must", rule="duty/modal:must")
    assert rule_for(rev, pack).id == "duty-reversed" and rule_for(rev, pack).severity == "high"
    assert rule_for(plain, pack).id == "duty-removed"
