"""Score tagging on labelled before/after pairs, as ``shared/eval/score.py`` does.

A pair file is JSONL: ``{"id", "old", "new", "expected": [tag...], "allowed": [tag...]}``.
Keys follow ``shared/spec/tags.md``; EDITORIAL is ignored; ``allowed`` tags are neither
required nor counted against.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from tracker.compare import compare_texts
from tracker.errors import BadInput

__all__ = ["default_pair_files", "key", "load_pairs", "score_file", "score_pairs"]

_ROOT = Path(__file__).resolve().parent.parent


def key(tag: dict[str, Any]) -> tuple[str, ...] | None:
    """The scorer's key for a tag dict (None for EDITORIAL)."""
    t = tag.get("type", "")
    if t in ("ROLE_REMOVED", "ROLE_ADDED"):
        return (t, str(tag.get("role", "")).lower())
    if t == "ROLE_REPLACED":
        return (t, str(tag.get("from_role", "")).lower(), str(tag.get("to_role", "")).lower())
    if t == "TERMINOLOGY":
        return (t, str(tag.get("from", "")).lower(), str(tag.get("to", "")).lower())
    if t in ("OBLIGATION_WEAKENED", "OBLIGATION_STRENGTHENED"):
        return (t, str(tag.get("from_modal", "")).lower(), str(tag.get("to_modal", "")).lower())
    if t == "EDITORIAL":
        return None
    return (t,)


def default_pair_files() -> list[Path]:
    """The shared dev pairs (when ``../shared`` is beside the checkout) and our own."""
    files = []
    shared = _ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if shared.exists():
        files.append(shared)
    files += sorted((_ROOT / "tests" / "eval").glob("*.jsonl"))
    return files


def score_pairs(pairs: list[dict[str, Any]], verbose: bool = False, echo: Callable[[str], None] = print) -> dict[str, Any]:
    tp = fp = fn = 0
    per_type: Counter[tuple[str, str]] = Counter()
    misses = []
    for pair in pairs:
        report = compare_texts(pair["old"], pair["new"]).to_dict()
        got = {k for c in report["changes"] for k in map(key, c["tags"]) if k}
        want = {k for k in map(key, pair["expected"]) if k}
        allowed = {k for k in map(key, pair.get("allowed", [])) if k}
        hit, extra, missed = got & want, got - want - allowed, want - got
        tp, fp, fn = tp + len(hit), fp + len(extra), fn + len(missed)
        for k in hit:
            per_type[(k[0], "tp")] += 1
        for k in extra:
            per_type[(k[0], "fp")] += 1
        for k in missed:
            per_type[(k[0], "fn")] += 1
        if extra or missed:
            misses.append({"id": pair["id"], "missed": sorted(missed), "extra": sorted(extra)})
            if verbose:
                echo(f"{pair['id']}: missed {sorted(missed)} extra {sorted(extra)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if verbose:
        for t in sorted({t for t, _ in per_type}):
            echo(f"  {t:25s} tp {per_type[(t, 'tp')]:3d}  fp {per_type[(t, 'fp')]:3d}  fn {per_type[(t, 'fn')]:3d}")
    return {"f1": f1, "precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn, "pairs": len(pairs), "misses": misses}


_PAIR_FIX = 'give a JSONL file of labelled pairs: one {"id", "old", "new", "expected": [...]} object per line'


def load_pairs(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL pair file, checking every line.

    Raises:
        BadInput: the file cannot be read, is not UTF-8 text, a line is not a JSON
            object with string ``old``/``new`` and a list ``expected``, or it holds no pairs.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise BadInput(f"{p} cannot be read", e.strerror, "check the path and its permissions") from None
    except UnicodeDecodeError:
        raise BadInput(f"{p} is not a labelled pair file", "it is not UTF-8 text", _PAIR_FIX) from None
    pairs: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
        except json.JSONDecodeError as e:
            raise BadInput(f"{p} line {n} is not JSON", f"{e.msg} at column {e.colno}", _PAIR_FIX) from None
        if not isinstance(pair, dict):
            raise BadInput(f"{p} line {n} is not a JSON object", f"it is a {type(pair).__name__}", _PAIR_FIX)
        for k, kind in (("old", str), ("new", str), ("expected", list)):
            if not isinstance(pair.get(k), kind):
                what = "has no" if k not in pair else "has a bad"
                raise BadInput(f"{p} line {n} {what} {k!r}", f"{k!r} must be a {'string' if kind is str else 'list of tags'}", _PAIR_FIX)
        if not all(isinstance(t, dict) for t in [*pair["expected"], *pair.get("allowed", [])]):
            raise BadInput(f"{p} line {n} has a tag that is not an object", 'tags are objects such as {"type": "ROLE_REMOVED", "role": "manager"}', _PAIR_FIX)
        pair.setdefault("id", f"{p.name}:{n}")
        pairs.append(pair)
    if not pairs:
        raise BadInput(f"no labelled pairs in {p}", "it holds no JSON lines", _PAIR_FIX)
    return pairs


def score_file(path: str | Path, verbose: bool = False, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Score the pairs of one JSONL file (see ``load_pairs``).

    Raises:
        BadInput: as ``load_pairs``.
    """
    return score_pairs(load_pairs(path), verbose=verbose, echo=echo)
