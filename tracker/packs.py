"""Find, load and validate a domain pack folder -> ``Pack``.

A pack is a folder ``pipelines/<name>/`` of data files (see
``pipelines/children-safeguarding/README.md``): ``pack.toml``, ``roles.jsonl``,
``modals.jsonl``, ``oversight.jsonl``, ``timescales.jsonl`` and ``impact_rules.toml``.
A pack may ``extends = "<other pack>"`` and then only states what it adds or changes.
Every error names the file, the line (or rule) and the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.errors import PackError
from tracker.models import AUDIENCES, TAG_TYPES, ImpactRule, Pack, PatternRule, RoleDef

__all__ = ["DEFAULT_PACK", "PACK_FILES", "available_packs", "find_pack", "load_pack", "pack_dirs"]

DEFAULT_PACK = "children-safeguarding"
PACK_FILES = ("pack.toml", "roles.jsonl", "modals.jsonl", "oversight.jsonl", "timescales.jsonl", "impact_rules.toml")
_REPO_PIPELINES = Path(__file__).resolve().parent.parent / "pipelines"

_ROLE_KEYS = {"id", "class", "label", "patterns", "rank", "description"}
_MODAL_KEYS = {"id", "strength", "patterns", "negated", "duty_will", "description"}
_OVERSIGHT_KEYS = {"id", "mechanism", "patterns", "description"}
_TIME_KEYS = {"id", "patterns", "description"}
_WHEN_KEYS = {"type", "kind", "role", "role_class", "from_role", "to_role", "from_class", "to_class", "direction", "from_modal", "to_modal", "mechanism", "actor", "modal", "from", "to", "rule"}
_RULE_KEYS = {"id", "when", "severity", "summary", "rationale", "affected_roles", "actions", "description"}
_PLACEHOLDERS = {"role", "from_role", "to_role", "from_modal", "to_modal", "mechanism", "from", "to", "actor", "modal", "direction", "where", "actor_suffix", "role_class", "from_class", "to_class"}
_TOKEN_ATTRS = {"ORTH", "TEXT", "LOWER", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_STOP", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "POS", "TAG", "DEP", "LEMMA", "SHAPE", "ENT_TYPE", "OP", "NORM", "IS_SENT_START", "MORPH", "_"}


def pack_dirs() -> list[Path]:
    """Where packs are looked for: ``$GUIDANCE_TRACKER_PACKS`` (os.pathsep list), then the repository's ``pipelines/``."""
    dirs = [Path(p) for p in os.environ.get("GUIDANCE_TRACKER_PACKS", "").split(os.pathsep) if p]
    dirs.append(_REPO_PIPELINES)
    return dirs


def available_packs() -> list[str]:
    """Names of the packs found in ``pack_dirs()``."""
    out = []
    for d in pack_dirs():
        if d.is_dir():
            out += sorted(p.name for p in d.iterdir() if (p / "pack.toml").is_file())
    return out


def find_pack(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve a pack name or folder path to its folder.

    Raises:
        PackError: no such pack.
    """
    if name_or_path is None:
        name_or_path = os.environ.get("GUIDANCE_TRACKER_PACK") or DEFAULT_PACK
    p = Path(name_or_path)
    if (p / "pack.toml").is_file():
        return p.resolve()
    for d in pack_dirs():
        if (d / str(name_or_path) / "pack.toml").is_file():
            return (d / str(name_or_path)).resolve()
    known = ", ".join(available_packs()) or "none"
    raise PackError(f"unknown domain pack {str(name_or_path)!r}", f"no folder with a pack.toml by that name (known packs: {known})", "give a pack name from that list or the path of a pack folder")


def load_pack(name_or_path: str | os.PathLike[str] | None = None) -> Pack:
    """Load and validate a pack (cached per folder and content hash).

    Raises:
        PackError: the pack is missing or a file does not validate.
    """
    folder = find_pack(name_or_path)
    return _load_cached(str(folder), _hash_folder(folder))


def _hash_folder(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix in (".toml", ".jsonl"):
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=16)
def _load_cached(folder: str, digest: str) -> Pack:
    return _load(Path(folder), digest, seen=())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError(f"{path} is missing", None, "every pack needs pack.toml; copy one from pipelines/children-safeguarding") from None
    except tomllib.TOMLDecodeError as e:
        raise PackError(f"{path} is not valid TOML", str(e), "fix the syntax at that line") from None


def _read_jsonl(path: Path, allowed: set[str], required: set[str]) -> list[tuple[int, dict[str, Any]]]:
    if not path.exists():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("//") or s.startswith("#"):
            continue
        try:
            obj = json.loads(s)
        except json.JSONDecodeError as e:
            raise PackError(f"{path}:{n} is not valid JSON", e.msg, "write one JSON object per line") from None
        if not isinstance(obj, dict):
            raise PackError(f"{path}:{n} is not a JSON object", None, "write one JSON object per line")
        unknown = set(obj) - allowed
        if unknown:
            raise PackError(f"{path}:{n} has unknown key(s) {sorted(unknown)}", f"allowed keys are {sorted(allowed)}", "rename or remove them")
        missing = required - set(obj)
        if missing:
            raise PackError(f"{path}:{n} lacks key(s) {sorted(missing)}", f"required keys are {sorted(required)}", "add them")
        out.append((n, obj))
    return out


def _check_patterns(path: Path, n: int, pats: Any, phrases_ok: bool) -> tuple[Any, ...]:
    if not isinstance(pats, list) or not pats:
        raise PackError(f"{path}:{n} 'patterns' must be a non-empty list", None, 'give phrases ("team manager") or spaCy token patterns ([{"LOWER": "must"}])')
    for p in pats:
        if isinstance(p, str):
            if not phrases_ok or not p.strip():
                raise PackError(f"{path}:{n} has a phrase pattern {p!r} where token patterns are needed", None, 'write it as [{"LOWER": "word"}, ...]')
            continue
        if not isinstance(p, list) or not p or not all(isinstance(t, dict) for t in p):
            raise PackError(f"{path}:{n} has a pattern that is neither a phrase nor a token pattern: {p!r}", None, 'use "a phrase" or [{"LOWER": "word"}]')
        for t in p:
            bad = set(t) - _TOKEN_ATTRS
            if bad:
                raise PackError(f"{path}:{n} uses unknown token attribute(s) {sorted(bad)}", "spaCy Matcher attributes are LOWER, ORTH, LIKE_NUM, POS, OP, ...", "fix the attribute name")
    return tuple(pats)


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _load(folder: Path, digest: str, seen: tuple[str, ...]) -> Pack:
    meta = _read_toml(folder / "pack.toml")
    info = meta.get("pack", {})
    name = info.get("name") or folder.name
    if name in seen:
        raise PackError(f"{folder / 'pack.toml'} extends itself through {' -> '.join(seen)}", None, "remove the cycle in 'extends'")
    parent: Pack | None = None
    if info.get("extends"):
        parent = _load(find_pack(info["extends"]), digest, seen + (name,))

    classes = dict(parent.classes) if parent else {}
    for k, v in meta.get("classes", {}).items():
        if not isinstance(v, int):
            raise PackError(f"{folder / 'pack.toml'} [classes] {k} must be an integer rank", None, "write e.g. oversight = 4")
        classes[k] = v
    if not classes:
        raise PackError(f"{folder / 'pack.toml'} has no [classes]", None, "list the role classes with their ranks")

    roles = dict(parent.roles) if parent else {}
    rpath = folder / "roles.jsonl"
    for n, obj in _read_jsonl(rpath, _ROLE_KEYS, {"id", "class", "patterns"}):
        rid = obj["id"]
        if not isinstance(rid, str) or not _ID.match(rid):
            raise PackError(f"{rpath}:{n} role id {rid!r} is not a lower-case identifier", None, "use letters, digits and _ (e.g. team_manager)")
        if obj["class"] not in classes:
            raise PackError(f"{rpath}:{n} role {rid!r} has unknown class {obj['class']!r}", f"classes are {sorted(classes)}", "use one of them or add it to [classes] in pack.toml")
        pats = _check_patterns(rpath, n, obj["patterns"], phrases_ok=True)
        rank = obj.get("rank", classes[obj["class"]])
        roles[rid] = RoleDef(id=rid, cls=obj["class"], rank=int(rank), label=obj.get("label", rid.replace("_", " ")), patterns=pats)
    if not roles:
        raise PackError(f"{rpath} defines no roles", None, "add one JSON line per role")
    if parent:
        # a wording this pack gives to one of its own roles is taken from the parent's
        own = {str(p).lower() for r in roles.values() if r.id not in parent.roles or roles[r.id] is not parent.roles[r.id] for p in r.patterns if isinstance(p, str)}
        for rid, r in list(roles.items()):
            if r is parent.roles.get(rid):
                kept = tuple(p for p in r.patterns if not (isinstance(p, str) and p.lower() in own))
                if kept != r.patterns:
                    roles[rid] = RoleDef(id=r.id, cls=r.cls, rank=r.rank, label=r.label, patterns=kept or r.patterns)

    equivalents = list(parent.equivalents) if parent else []
    for k, eq in enumerate(meta.get("equivalents", []), 1):
        ids = eq.get("roles", [])
        unknown = [r for r in ids if r not in roles]
        if len(ids) < 2 or unknown:
            raise PackError(f"{folder / 'pack.toml'} [[equivalents]] #{k} is invalid", f"needs two or more known role ids; unknown: {unknown}", "list role ids from roles.jsonl")
        equivalents.append(frozenset(ids))

    def rules_of(fname: str, keys: set[str], req: set[str], kind: str, inherited: tuple[PatternRule, ...]) -> tuple[PatternRule, ...]:
        path = folder / fname
        items = _read_jsonl(path, keys, req)
        if not items:
            return inherited
        out = []
        for n, obj in items:
            pats = _check_patterns(path, n, obj["patterns"], phrases_ok=(kind != "modal"))
            if kind == "modal" and obj.get("strength") not in ("must", "should", "may"):
                raise PackError(f"{path}:{n} modal {obj['id']!r} has strength {obj.get('strength')!r}", "strength is must, should or may", "fix the strength")
            out.append(PatternRule(id=obj["id"], kind=kind, patterns=pats, strength=obj.get("strength"), mechanism=obj.get("mechanism"), negated=bool(obj.get("negated", False)), duty_will=bool(obj.get("duty_will", False))))
        by_id = {r.id: r for r in inherited}
        for r in out:
            by_id[r.id] = r
        return tuple(by_id.values())

    modals = rules_of("modals.jsonl", _MODAL_KEYS, {"id", "strength", "patterns"}, "modal", parent.modals if parent else ())
    oversight = rules_of("oversight.jsonl", _OVERSIGHT_KEYS, {"id", "mechanism", "patterns"}, "oversight", parent.oversight if parent else ())
    timescales = rules_of("timescales.jsonl", _TIME_KEYS, {"id", "patterns"}, "timescale", parent.timescales if parent else ())
    if not modals:
        raise PackError(f"{folder / 'modals.jsonl'} defines no modals", None, "add must/should/may lines")

    rules = _load_rules(folder / "impact_rules.toml", roles, classes)
    rules = rules + (parent.rules if parent else ())
    _check_coverage(folder / "impact_rules.toml", rules)

    settings = meta.get("settings", {})
    pronouns = frozenset(settings.get("pronouns", parent.pronouns if parent else ()))
    ndw = frozenset(settings.get("non_duty_will_subjects", parent.non_duty_will_subjects if parent else ()))
    return Pack(
        name=name, version=str(info.get("version", "0")), title=info.get("title", name), path=str(folder),
        sha256=hashlib.sha256(((parent.sha256 if parent else "") + digest).encode()).hexdigest(),
        classes=classes, roles=roles, equivalents=tuple(equivalents), modals=modals, oversight=oversight,
        timescales=timescales, rules=rules, pronouns=pronouns, non_duty_will_subjects=ndw,
    )


def _placeholders(path: Path, rid: str, field: str, text: str) -> None:
    for ph in re.findall(r"\{([^{}]*)\}", text):
        if ph not in _PLACEHOLDERS:
            raise PackError(f"{path} rule {rid!r}: unknown placeholder {{{ph}}} in {field}", f"placeholders are {sorted(_PLACEHOLDERS)}", "fix the placeholder name")


def _load_rules(path: Path, roles: dict[str, RoleDef], classes: dict[str, int]) -> tuple[ImpactRule, ...]:
    if not path.exists():
        return ()
    data = _read_toml(path)
    out: list[ImpactRule] = []
    ids: set[str] = set()
    for k, r in enumerate(data.get("rule", []), 1):
        rid = r.get("id") or f"#{k}"
        unknown = set(r) - _RULE_KEYS
        if unknown:
            raise PackError(f"{path} rule {rid!r} has unknown key(s) {sorted(unknown)}", f"allowed keys are {sorted(_RULE_KEYS)}", "rename or remove them")
        for req in ("id", "when", "severity", "summary"):
            if req not in r:
                raise PackError(f"{path} rule {rid!r} lacks {req!r}", None, f"add {req} = ... to the rule")
        if rid in ids:
            raise PackError(f"{path} rule {rid!r} is defined twice", None, "give each rule its own id")
        ids.add(rid)
        if r["severity"] not in ("high", "medium", "low"):
            raise PackError(f"{path} rule {rid!r} has severity {r['severity']!r}", "severity is high, medium or low", "fix the severity")
        when = r["when"]
        if not isinstance(when, dict) or "type" not in when:
            raise PackError(f"{path} rule {rid!r} 'when' must be a table with at least a type", None, 'write when = { type = "ROLE_REMOVED" }')
        bad = set(when) - _WHEN_KEYS
        if bad:
            raise PackError(f"{path} rule {rid!r} 'when' has unknown key(s) {sorted(bad)}", f"allowed keys are {sorted(_WHEN_KEYS)}", "rename or remove them")
        norm_when: dict[str, tuple[str, ...]] = {}
        for key, val in when.items():
            vals = tuple(val) if isinstance(val, list) else (val,)
            if not all(isinstance(v, str) for v in vals):
                raise PackError(f"{path} rule {rid!r} 'when.{key}' must be a string or list of strings", None, "quote the values")
            if key == "type":
                for v in vals:
                    if v not in TAG_TYPES:
                        raise PackError(f"{path} rule {rid!r} matches unknown tag type {v!r}", f"tag types are {', '.join(TAG_TYPES)}", "fix the type")
            if key in ("role_class", "from_class", "to_class"):
                for v in vals:
                    if v not in classes:
                        raise PackError(f"{path} rule {rid!r} matches unknown class {v!r}", f"classes are {sorted(classes)}", "fix the class")
            norm_when[key] = vals
        actions = r.get("actions", {})
        if not isinstance(actions, dict) or not actions:
            raise PackError(f"{path} rule {rid!r} has no actions", None, "add a [rule.actions] table with at least one audience")
        for aud, text in actions.items():
            if aud not in AUDIENCES:
                raise PackError(f"{path} rule {rid!r} has action audience {aud!r}", f"audiences are {', '.join(AUDIENCES)}", "fix the audience")
            _placeholders(path, rid, f"actions.{aud}", text)
        for field in ("summary", "rationale"):
            _placeholders(path, rid, field, r.get(field, ""))
        out.append(ImpactRule(id=rid, when=norm_when, severity=r["severity"], summary=r["summary"], rationale=r.get("rationale", ""), affected_roles=tuple(r.get("affected_roles", ())), actions=tuple(actions.items())))
    return tuple(out)


def _check_coverage(path: Path, rules: tuple[ImpactRule, ...]) -> None:
    for t in TAG_TYPES:
        if t == "EDITORIAL":
            continue
        if not any(set(r.when) == {"type"} and t in r.when["type"] for r in rules):
            raise PackError(f"{path} has no catch-all rule for {t}", "every tag type needs a rule whose 'when' names only the type, so no tag goes unassessed", f'add a [[rule]] with when = {{ type = "{t}" }}')


# --- Stance lexicon (stances.jsonl), for consultation responses (tracker.consult) ---

STANCES_FILE = "stances.jsonl"
_STANCE_KEYS = {"id", "kind", "phrases", "description"}


def load_stances(pack: Pack) -> tuple["StanceCue", ...]:
    """The stance lexicon of ``pack``: its ``stances.jsonl``, else the one of the pack it
    extends (and so on); empty when none of them has one.

    Raises:
        PackError: the file does not validate (unknown key or kind, empty phrases).
    """
    folder = Path(pack.path)
    seen: set[Path] = set()
    while folder not in seen:
        seen.add(folder)
        path = folder / STANCES_FILE
        if path.is_file():
            return _load_stances(str(path), hashlib.sha256(path.read_bytes()).hexdigest())
        parent = _read_toml(folder / "pack.toml").get("pack", {}).get("extends")
        if not parent:
            break
        folder = find_pack(parent)
    return ()


@lru_cache(maxsize=8)
def _load_stances(path_s: str, digest: str) -> tuple["StanceCue", ...]:
    from tracker.models import STANCE_CUE_KINDS, StanceCue

    path = Path(path_s)
    out = []
    ids: set[str] = set()
    for n, obj in _read_jsonl(path, _STANCE_KEYS, {"id", "kind", "phrases"}):
        cid, kind, phrases = obj["id"], obj["kind"], obj["phrases"]
        if not isinstance(cid, str) or not _ID.match(cid) or cid in ids:
            raise PackError(f"{path}:{n} has a bad or repeated id {cid!r}", "ids are unique lower-case words with _", "rename it")
        ids.add(cid)
        if kind not in STANCE_CUE_KINDS:
            raise PackError(f"{path}:{n} has kind {kind!r}", f"kinds are {', '.join(STANCE_CUE_KINDS)}", "use one of them")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise PackError(f"{path}:{n} 'phrases' must be a non-empty list of words or phrases", None, 'write e.g. ["object", "objects"]')
        out.append(StanceCue(id=cid, kind=kind, phrases=tuple(" ".join(p.lower().split()) for p in phrases)))
    return tuple(out)
