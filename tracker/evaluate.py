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

__all__ = ["default_pair_files", "key", "score_file", "score_pairs"]

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


def score_file(path: str | Path, verbose: bool = False, echo: Callable[[str], None] = print) -> dict[str, Any]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    pairs = [json.loads(ln) for ln in lines if ln.strip()]
    return score_pairs(pairs, verbose=verbose, echo=echo)
