"""Docs checked by tests: commands documented, tags in the spec, pack fields in the README."""

import json
import os
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


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines(text: str) -> list[str]:
    """Every line of the README's fenced code blocks (any language)."""
    out: list[str] = []
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.M | re.S):
        out += block.splitlines()
    return out


def documented_commands(text: str) -> list[str]:
    """Command lines the README documents: the first cell of each row of its commands
    table (`` `guidance-tracker NAME ...` ``) and ``guidance-tracker NAME`` lines of its
    code blocks (also ``python -m tracker NAME``)."""
    rows = [m.group(1) for m in re.finditer(r"^\| `(guidance-tracker [^`]+)` \|", text, re.M)]
    lines = [re.sub(r"^(python -m tracker)", "guidance-tracker", ln.strip()) for ln in code_lines(text)]
    return rows + [ln for ln in lines if ln.startswith("guidance-tracker ")]


@pytest.mark.parametrize("name,cmd", all_commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_docs_every_command_in_readme(name, cmd) -> None:
    """In the commands table or as a `guidance-tracker NAME` code line, not just "`name" anywhere."""
    want = re.compile(rf"^guidance-tracker {re.escape(name)}(\s|$)")
    assert any(want.match(c) for c in documented_commands(readme())), f"README's commands table and examples do not show `guidance-tracker {name}`"


def test_docs_commands_check_is_not_fooled_by_a_mention() -> None:
    text = "Use `consultation` to track.\n\n| `guidance-tracker compare OLD NEW` | compare |\n\n```\nguidance-tracker watch add URL\n```\n"
    got = documented_commands(text)
    assert got == ["guidance-tracker compare OLD NEW", "guidance-tracker watch add URL"]
    assert not any(c.startswith("guidance-tracker consultation") for c in got)


# --- README examples that run offline --------------------------------------------------

SUBSTITUTE = {
    # files the examples name -> files of this repository
    "wt2015.pdf": "corpora/sample/v1.pdf",
    "wt2018.pdf": "corpora/sample/v2.pdf",
    "procedures/": "tests/fixtures/procedures/local/",
    "training/": "tests/fixtures/procedures/local/training-notes.txt",
}
SKIP = {
    # synopses: placeholders, not commands
    "guidance-tracker compare OLD NEW": "synopsis",
    "guidance-tracker consultation PREVIOUS DRAFT FINAL": "synopsis",
    "guidance-tracker procedures OLD NEW LOCAL_DOC_OR_FOLDER": "synopsis",
    "guidance-tracker serve [--port": "synopsis",
    "guidance-tracker timeline NAME": "synopsis",
    # the network (GOV.UK, web archives, a Dask scheduler)
    "guidance-tracker watch add https://": "network",
    "guidance-tracker fetch": "network and a store",
    "guidance-tracker history ": "network and a store",
    "guidance-tracker scan --engine dask --scheduler": "network (a Dask cluster)",
    # a store of versions the README builds up step by step
    "guidance-tracker watch list": "store",
    "guidance-tracker watch remove": "store",
    "guidance-tracker import wt2018.pdf": "store",
    "guidance-tracker versions ": "store",
    "guidance-tracker compare working-together@": "store",
    "guidance-tracker feed ": "store",
    "guidance-tracker forget ": "store",
    "guidance-tracker timeline working-together": "store",
    "guidance-tracker scan --engine dask --workers": "store (and Dask workers)",
    "guidance-tracker procedures wt@1": "store (and Dask workers)",
}
"""README example lines not run, by the start of the line, with the reason."""


def example_lines() -> list[str]:
    out = []
    for ln in code_lines(readme()):
        ln = ln.split("  #")[0].strip()
        if re.match(r"^(guidance-tracker|python -m tracker) ", ln):
            out.append(ln)
    return out


def runnable_examples() -> list[str]:
    return [ln for ln in example_lines() if not any(re.sub(r"^python -m tracker", "guidance-tracker", ln).startswith(k) for k in SKIP)]


def test_docs_every_readme_example_is_run_or_skipped_for_a_reason() -> None:
    lines = example_lines()
    assert len(lines) >= 20
    runnable = runnable_examples()
    assert any(" compare " in f" {ln} " for ln in runnable), runnable
    for key in SKIP:  # no stale entries
        assert any(re.sub(r"^python -m tracker", "guidance-tracker", ln).startswith(key) for ln in lines), key


@pytest.mark.parametrize("line", runnable_examples())
def test_docs_readme_example_runs_offline(line: str, tmp_path: Path) -> None:
    import shlex
    import subprocess
    import sys

    args = shlex.split(line)
    args = args[1:] if args[0] == "guidance-tracker" else args[3:]  # python -m tracker
    out_dir = tmp_path / "out"
    fixed = []
    for k, a in enumerate(args):
        if a in SUBSTITUTE:
            a = str(ROOT / SUBSTITUTE[a])
        elif k and args[k - 1] in ("--out", "-o"):
            a = str(out_dir / a)
        fixed.append(a)
    env = {**os.environ, "GUIDANCE_TRACKER_DB": str(tmp_path / "store.db"), "SOURCE_DATE_EPOCH": "1700000000"}
    r = subprocess.run([sys.executable, "-m", "tracker", *fixed], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, f"{line}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    assert "Traceback" not in r.stderr
    written = [p for p in out_dir.rglob("*") if p.is_file()] if out_dir.exists() else []
    if "--out" in args:
        assert written and all(p.stat().st_size > 0 for p in written), line


def test_docs_readme_python_snippet_runs_on_the_sample_corpus(capsys) -> None:
    blocks = re.findall(r"^```python\n(.*?)^```", readme(), re.M | re.S)
    assert blocks, "README has no Python example"
    code = blocks[0]
    assert "compare_texts(old_text, new_text)" in code
    sample = ROOT / "corpora" / "sample"
    ns = {"old_text": (sample / "v1.md").read_text(encoding="utf-8"), "new_text": (sample / "v2.md").read_text(encoding="utf-8")}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own README
    report = ns["report"]
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == len(report.changes) > 0
    assert printed[0].startswith(report.changes[0].kind)
    assert report.to_dict()["changes"]


# --- README accuracy table ----------------------------------------------------------------


def accuracy_rows() -> list[dict]:
    text = readme()
    section = text[text.index("### Accuracy"):text.index("### Speed")]
    rows = []
    for m in re.finditer(r"^\| (.+?) \| ([\d /]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", section, re.M):
        rows.append({"what": m.group(1), "pairs": m.group(2).strip(), "precision": m.group(3).strip(), "recall": m.group(4).strip(), "f1": m.group(5).strip()})
    return rows


def test_docs_accuracy_table_format() -> None:
    rows = accuracy_rows()
    assert len(rows) >= 3
    for r in rows:
        for k in ("precision", "recall", "f1"):
            assert re.fullmatch(r"[01]\.\d{3}", r[k]), r


@pytest.mark.parametrize("model", [None, "rules-only"])
def test_docs_accuracy_table_matches_evaluate(model, monkeypatch) -> None:
    """The README's figures are what `tracker.evaluate` computes now, for every file it names."""
    from tracker.evaluate import score_file

    if model:
        monkeypatch.setenv("GUIDANCE_TRACKER_MODEL", model)
    rows = accuracy_rows()
    files = {"`../shared/eval/dev.jsonl`": SHARED / "eval" / "dev.jsonl", "`tests/eval/hard_cases.jsonl`": ROOT / "tests" / "eval" / "hard_cases.jsonl"}
    checked = 0
    for r in rows:
        rules_only = r["what"].startswith("the same, rules-only")
        if bool(model) != rules_only:
            continue
        targets = list(files.items()) if rules_only else [(k, v) for k, v in files.items() if r["what"].startswith(k)]
        counts = r["pairs"].split(" / ")
        for (name, path), n in zip(targets, counts if rules_only else counts[:1]):
            if not path.exists():
                continue
            res = score_file(path)
            got = {"pairs": str(res["pairs"]), "precision": f"{res['precision']:.3f}", "recall": f"{res['recall']:.3f}", "f1": f"{res['f1']:.3f}"}
            want = {"pairs": n, "precision": r["precision"], "recall": r["recall"], "f1": r["f1"]}
            assert got == want, (name, model, res["misses"][:5])
            checked += 1
    assert checked, "no row of the accuracy table was checked"


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
