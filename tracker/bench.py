"""``python -m tracker bench``: time the whole comparison against peers, same process.

A seeded generator writes a synthetic guidance document of N words (chapters,
numbered paragraphs in guidance language) and a revision of it, edited the way real
guidance is revised (roles dropped or swapped, modals changed, timescales changed,
paragraphs inserted, deleted and moved, spelling edits, renumbering). The same pair is
then given to ``compare_texts``, to ``redlines`` and to ``difflib.ndiff``; ratios are
reported, never absolute seconds alone, so the figures mean the same on any machine.
"""

from __future__ import annotations

import difflib
import gc
import random
import resource
import time
from pathlib import Path
from typing import Callable

__all__ = ["generate_local_folder", "generate_pair", "run_bench"]

_ACTORS = ["The social worker", "The social worker and their manager", "Practitioners", "The local authority", "The designated safeguarding lead", "Health professionals", "The team manager", "Safeguarding partners", "Schools", "The conference chair", "Staff", "The independent reviewing officer"]
_MODALS = ["must", "should", "may", "should consider whether to"]
_VERBS = ["complete an assessment of the child's needs", "share information with the police", "agree a plan of action with other professionals", "record the decision on the child's file", "review the plan", "visit the child", "convene a strategy discussion", "inform the family of the outcome", "seek advice from colleagues", "make a referral to children's social care"]
_TIMES = ["within one working day", "within 24 hours", "within 45 working days", "at least every six weeks", "within ten working days", "within three months", "immediately"]
_TAILS = ["where there is reasonable cause to suspect significant harm", "and discuss this with the child and their family", "so that the child's voice is heard", "taking account of the views of other agencies", "and the outcome should be signed off by the team manager", "and keep the plan under review in supervision"]
_FILL = ["The nature and level of any risk of harm faced by the child should determine the pace of the work.", "Judgements should be made on each individual case.", "Effective professional supervision can play a critical role in ensuring a clear focus on the child's welfare.", "Organisations should have clear arrangements for sharing information.", "Early help is more effective in promoting the welfare of children than reacting later."]


def _paragraph(rng: random.Random) -> str:
    sents = []
    for _ in range(rng.randint(2, 4)):
        if rng.random() < 0.3:
            sents.append(rng.choice(_FILL))
            continue
        s = f"{rng.choice(_ACTORS)} {rng.choice(_MODALS)} {rng.choice(_VERBS)}"
        if rng.random() < 0.5:
            s += f" {rng.choice(_TIMES)}"
        if rng.random() < 0.5:
            s += f" {rng.choice(_TAILS)}"
        sents.append(s + ".")
    return " ".join(sents)


def _revise(p: str, rng: random.Random) -> str:
    edits = [
        lambda t: t.replace(" and their manager", "", 1),
        lambda t: t.replace("professionals", "practitioners"),
        lambda t: t.replace("must", "should", 1),
        lambda t: t.replace("should", "must", 1),
        lambda t: t.replace("within one working day", "within three working days"),
        lambda t: t.replace("at least every six weeks", "at least every three months"),
        lambda t: t.replace("judgements", "judgments").replace("Judgements", "Judgments"),
        lambda t: t.replace("seek advice from colleagues", "seek advice from their manager"),
        lambda t: t.replace(" and the outcome should be signed off by the team manager", ""),
        lambda t: t + " They should record the reasons for their decision.",
    ]
    for e in rng.sample(edits, 2):
        t = e(p)
        if t != p:
            return t
    return p + " This applies to all agencies."


def generate_pair(words: int, seed: int = 7, change_rate: float = 0.08) -> tuple[str, str]:
    """A synthetic guidance document of about ``words`` words and a revision of it."""
    rng = random.Random(seed)
    chapters: list[list[str]] = []
    count = 0
    while count < words:
        chapter = []
        for _ in range(rng.randint(15, 40)):
            p = _paragraph(rng)
            chapter.append(p)
            count += len(p.split())
            if count >= words:
                break
        chapters.append(chapter)
    new_chapters = [list(c) for c in chapters]
    # Exact proportions of each kind of edit, so that twice the words means twice the
    # edits and the growth figure measures the tool, not the dice.
    slots = [(k, i) for k, c in enumerate(new_chapters) for i in range(len(c))]
    n = len(slots)
    picks = rng.sample(slots, int(n * (change_rate + 0.035)))
    cut = [int(n * change_rate), int(n * (change_rate + 0.015)), int(n * (change_rate + 0.03))]
    plan = {s: ("revise" if j < cut[0] else "delete" if j < cut[1] else "insert" if j < cut[2] else "move") for j, s in enumerate(picks)}
    moved: list[str] = []
    for k, c in enumerate(new_chapters):
        for i in range(len(c) - 1, -1, -1):
            what = plan.get((k, i))
            if what == "revise":
                c[i] = _revise(c[i], rng)
            elif what == "delete":
                del c[i]
            elif what == "insert":
                c.insert(i, _paragraph(rng))
            elif what == "move":
                moved.append(c.pop(i))
    for p in moved:
        rng.choice(new_chapters).insert(0, p)

    def render(chs: list[list[str]]) -> str:
        out, n = [], 0
        for k, ch in enumerate(chs, 1):
            out.append(f"Chapter {k}: Part {k} of the guidance")
            for p in ch:
                n += 1
                out.append(f"{n}. {p}")
        return "\n\n".join(out) + "\n"

    return render(chapters), render(new_chapters)


_LOCAL_FILL = [
    "This procedure applies to all staff of the council's children's services.",
    "Staff should read this section together with the local threshold document.",
    "Contact the duty desk on the number given in the staff directory.",
    "The car park is closed for resurfacing during August.",
    "Training records are kept by the workforce development team.",
    "Interpreters can be booked through the corporate contract.",
]


def generate_local_folder(root: str | Path, n: int, old: str, new: str, seed: int = 11) -> list[Path]:
    """Write ``n`` local procedure documents under ``root`` (Markdown, HTML and text, in
    sub-folders), each quoting old or new guidance sentences, restating them in other
    words, citing paragraph numbers, or saying nothing about the guidance at all.

    Deterministic for a given seed. Returns the files written.
    """
    import html as _html

    rng = random.Random(seed)
    root = Path(root)
    old_paras = [p for p in old.split("\n\n") if p[:1].isdigit()]
    new_paras = [p for p in new.split("\n\n") if p[:1].isdigit()]
    files: list[Path] = []
    for i in range(n):
        paras = [f"Local procedure {i}: section {k}" for k in range(1)]
        for _ in range(rng.randint(4, 10)):
            r = rng.random()
            if r < 0.3:
                src = rng.choice(old_paras)
                num, _, text = src.partition(". ")
                sent = rng.choice([s for s in text.split(". ") if s] or [text])
                paras.append(f"As Working Together says (paragraph {num}), {sent.rstrip('.')}.")
            elif r < 0.45:
                paras.append(rng.choice(new_paras).partition(". ")[2])
            elif r < 0.6:
                text = rng.choice(old_paras).partition(". ")[2]
                paras.append("In this authority, " + text[:1].lower() + text[1:].replace("should", "are expected to", 1))
            else:
                paras.append(" ".join(rng.sample(_LOCAL_FILL, 2)))
        kind = ("md", "html", "txt")[i % 3]
        path = root / f"area-{i % 10:02d}" / f"procedure-{i:05d}.{kind}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "html":
            body = f"<h1>{_html.escape(paras[0])}</h1>" + "".join(f"<p>{_html.escape(p)}</p>" for p in paras[1:])
            path.write_text(f"<!DOCTYPE html><html><head><title>Procedure {i}</title></head><body><main>{body}</main></body></html>", encoding="utf-8")
        elif kind == "md":
            path.write_text(f"# {paras[0]}\n\n" + "\n\n".join(paras[1:]) + "\n", encoding="utf-8")
        else:
            path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        files.append(path)
    return files


def _time(fn: Callable[[], object], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _redlines(old: str, new: str) -> None:
    from redlines import Redlines

    Redlines(old, new, markdown_style="none").output_markdown


def _ndiff(old: str, new: str) -> None:
    list(difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)))


def run_bench(sizes: list[int], seed: int = 7, peers: bool = True, jobs: bool = False, echo: Callable[[str], None] = print) -> int:
    """Run the benchmark; return 0 when the targets are met, 1 otherwise.

    Raises:
        BadInput: no sizes, or a size that is not a positive number of words.
    """
    if not jobs and (not sizes or any(not isinstance(w, int) or w < 1 for w in sizes)):
        from tracker.errors import BadInput

        raise BadInput(f"bench sizes {sizes!r} are not word counts", None, "give positive whole numbers, e.g. 50000,200000")
    if jobs:
        return run_jobs_bench(echo=echo)
    from tracker.compare import compare_texts

    compare_texts("The manager must agree the plan.", "The manager should agree the plan.")  # warm up: load the pipeline once
    rows = []
    ok = True
    for words in sizes:
        old, new = generate_pair(words, seed)
        holder: dict[str, object] = {}
        ours = _time(lambda: holder.__setitem__("r", compare_texts(old, new)))
        report = holder["r"]
        row = {"words": words, "ours": ours, "changes": report.summary.changes, "model": report.tool.model}  # type: ignore[attr-defined]
        if peers:
            row["ndiff"] = _time(lambda: _ndiff(old, new))
            if words <= 60000:
                try:
                    row["redlines"] = _time(lambda: _redlines(old, new))
                except ImportError:
                    echo("redlines is not installed (pip install redlines): skipped")
        rows.append(row)
        parts = [f"{words:>7} words: compare_texts {row['ours']:.2f}s ({row['changes']} changes)"]
        if "ndiff" in row:
            parts.append(f"{row['ours'] / row['ndiff']:.2f}x difflib.ndiff")
        if "redlines" in row:
            parts.append(f"{row['ours'] / row['redlines']:.3f}x redlines")
        echo(", ".join(parts))
    echo(f"pipeline: {rows[0]['model']}")
    first = rows[0]
    if "ndiff" in first and first["words"] <= 60000:
        r = first["ours"] / first["ndiff"]
        ok &= r <= 1.0
        echo(f"target at {first['words']} words: <= 1x difflib.ndiff: {r:.2f}x {'met' if r <= 1.0 else 'MISSED'}")
    if "redlines" in first:
        r = first["ours"] / first["redlines"]
        ok &= r <= 0.1
        echo(f"target at {first['words']} words: <= 0.1x redlines: {r:.3f}x {'met' if r <= 0.1 else 'MISSED'}")
    if len(rows) > 1:
        growth = rows[-1]["ours"] / rows[0]["ours"]
        scale = rows[-1]["words"] / rows[0]["words"]
        limit = scale * 1.15
        ok &= growth <= limit
        echo(f"growth {rows[0]['words']} -> {rows[-1]['words']} words ({scale:.0f}x): {growth:.2f}x time (target <= {limit:.1f}x) {'met' if growth <= limit else 'MISSED'}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    echo(f"peak memory (max RSS of the process): {peak:.0f} MiB")
    return 0 if ok else 1


def _noop(shared: object, payload: tuple[str, str, bytes]) -> int:
    """A work item that does nothing but arrive: measures the driver and scheduler."""
    return len(payload[2])


def run_jobs_bench(docs: int = 2000, workers: tuple[int, ...] | None = None, echo: Callable[[str], None] = print) -> int:
    """Items per second of ``procedures`` over a generated folder of ``docs`` local
    documents, on the local engine and on Dask with 1..cores workers, plus the ceiling
    of the driver and scheduler alone (a no-op item). Returns 0."""
    import os
    import tempfile

    from tracker.compare import compare_texts
    from tracker.jobs import engine, run_job
    from tracker.procedures import _load, build_index, check_files, local_files

    cores = os.cpu_count() or 1
    workers = workers or tuple(sorted({1, cores}))
    old, new = generate_pair(3000, seed=7, change_rate=0.3)
    index = build_index(compare_texts(old, new, old_label="old", new_label="new"))
    with tempfile.TemporaryDirectory(prefix="gt-bench-") as tmp:
        generate_local_folder(tmp, docs, old, new)
        files = local_files([tmp])
        echo(f"procedures over {len(files)} generated local documents ({cores} cores)")
        rows: list[tuple[str, float, int]] = []
        t = time.perf_counter()
        rep, s = check_files(index, [tmp])
        rows.append(("local", len(files) / (time.perf_counter() - t), len(rep.findings)))
        ceiling = 0.0
        for n in workers:
            with engine("dask", workers=n) as eng:
                # warm-up: every worker imports the parsers and receives the index once
                check_files(index, [f for _, f in files[: 30 * n]], eng=eng)
                t = time.perf_counter()
                rep_d, _ = check_files(index, [tmp], eng=eng)
                rows.append((f"dask x{n}", len(files) / (time.perf_counter() - t), len(rep_d.findings)))
                if n == max(workers):
                    t = time.perf_counter()
                    run_job("noop", _noop, [(label, lambda lb=label, f=f: _load(lb, f)) for label, f in files], eng=eng, progress=False)
                    ceiling = len(files) / (time.perf_counter() - t)
        base = rows[0][1]
        for name, rate, found in rows:
            echo(f"  {name:<9} {rate:8.0f} documents/s  {rate / base:5.2f}x local  ({found} findings)")
        echo(f"  driver+scheduler ceiling (no-op items on dask x{max(workers)}): {ceiling:.0f} documents/s")
        one = next((r for name, r, _ in rows if name == "dask x1"), base)
        echo(f"  scaling model: rate(N) ~ min(N x {one:.0f}, {ceiling:.0f}) documents/s; "
             f"beyond N ~ {max(1, int(ceiling // max(one, 1e-9)))} workers the single driver is the limit")
        same = all(found == rows[0][2] for _, _, found in rows)
        echo(f"  same findings on every engine: {'yes' if same else 'NO'}")
    return 0 if same else 1
