"""spaCy components that find what accountability rests on, built from a domain pack.

Each component is registered as a factory (``tracker_roles``, ``tracker_modals``,
``tracker_oversight``, ``tracker_timescales``) with the pack folder in its config.
``match(doc)`` is pure and returns spans; ``set_annotations(doc, spans)`` writes them
to ``doc.spans``; ``to_disk`` writes the patterns it was built from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable

import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from tracker.models import Pack, PatternRule
from tracker.nlp.extensions import MODALS, OVERSIGHT, ROLES, TIMESCALES
from tracker.packs import DEFAULT_PACK, load_pack

__all__ = ["PackMatcher", "plural_variants"]

_IRREGULAR = {"child": "children", "person": "people", "woman": "women", "man": "men", "wife": "wives", "staff": "staff", "police": "police", "workforce": "workforce", "family": "families"}
_NO_PLURAL = {"staff", "police", "nhs", "probation", "workforce", "council", "children", "people"}


def _plural(word: str) -> str:
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith("wife"):
        return word[:-4] + "wives"
    if word.isupper():
        return word + "s"
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return word[:-1] + "ies"
    if low.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def spelling_variants(phrase: str) -> list[str]:
    """British and American spellings of -ise/-isation words.

    >>> spelling_variants("organisation")
    ['organisation', 'organization']
    """
    import re

    alt = re.sub(r"(?<=[a-z])is(e|es|ed|ing|ation|ations)\b", r"iz\1", phrase)
    alt2 = re.sub(r"(?<=[a-z])iz(e|es|ed|ing|ation|ations)\b", r"is\1", phrase)
    return sorted({phrase, alt, alt2})


def plural_variants(phrase: str) -> list[str]:
    """A phrase and its plural (last word pluralised): ``team manager`` -> ``team managers``.

    >>> plural_variants("designated safeguarding lead")
    ['designated safeguarding lead', 'designated safeguarding leads']
    """
    words = phrase.split(" ")
    last = words[-1]
    if last.lower() in _NO_PLURAL or not last[-1:].isalpha():
        return [phrase]
    # "director of children's services": pluralise the head before "of"
    if " of " in phrase:
        head_i = words.index("of") - 1
        w2 = list(words)
        w2[head_i] = _plural(words[head_i])
        return [phrase, " ".join(w2)]
    return [phrase, " ".join(words[:-1] + [_plural(last)])]


_ALIAS = re.compile(r"[A-Z][A-Z0-9&]*[A-Z0-9]s?")


def is_alias(text: str) -> bool:
    """Does ``text`` look like an abbreviation ("LADO", "ICBs", "DSL")?

    >>> is_alias("ICBs"), is_alias("Ofsted"), is_alias("it")
    (True, False, False)
    """
    return _ALIAS.fullmatch(text) is not None


def _with_aliases(doc: Doc, spans: list[Span]) -> list[Span]:
    """A role followed by its abbreviation in brackets ("the local authority designated
    officer (LADO)", "Integrated care boards (ICBs)") names one party once: the span
    takes in the bracket, and a role matched inside it is not a second mention."""
    out: list[Span] = []
    skip_to = -1
    for s in spans:
        if s.start < skip_to:
            continue
        e = s.end
        if e + 2 < len(doc) and doc[e].text == "(" and doc[e + 2].text == ")" and is_alias(doc[e + 1].text):
            s = Span(doc, s.start, e + 3, label=s.label_)
            skip_to = e + 3
        out.append(s)
    return out


_LIST_SEPARATORS = {",", "and", "or", "&", "and/or"}
_LIST_DETERMINERS = {"the", "a", "an", "local", "their", "its"}
_LIST_SECTORS = {"education", "housing", "probation", "schools", "social", "care", "justice", "youth", "children's"}
_AFTER_LISTED = {
    "and", "or", "&", "should", "must", "will", "may", "might", "can", "could", "shall", "are", "is", "have", "has",
    "need", "needs", "to", "at", "in", "on", "were", "would", "both", "all", "together", "jointly", "each",
}


def _listed_label_spans(doc: Doc, found: list[Span], labels: dict[str, str]) -> list[Span]:
    """A role's bare one-word label that is not one of its patterns ("health" for the
    ``health`` agency) names the role only as an item of a list whose other items
    include a role: "the police and health should attend", "police, health or
    schools", "health, education and the local authority". Elsewhere the word is no
    party: "the child's health and development", "health and wellbeing", "mental health"."""
    covered = {i for s in found for i in range(s.start, s.end)}
    starts = {s.start for s in found}
    ends = {s.end for s in found}
    out: list[Span] = []
    for tok in doc:
        rid = labels.get(tok.lower_)
        if rid is None or tok.i in covered:
            continue
        nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
        if nxt is not None and not (nxt.is_punct or nxt.lower_ in _AFTER_LISTED):
            continue  # "health visitors", "health needs": a modifier, not an item
        prv = doc[tok.i - 1] if tok.i else None
        if prv is not None and not (prv.is_punct or prv.lower_ in _LIST_SEPARATORS | _LIST_DETERMINERS or prv.is_sent_start):
            continue  # "mental health", "the child's health"
        if _role_in_list(doc, tok.i, -1, starts, ends) or _role_in_list(doc, tok.i, 1, starts, ends):
            out.append(Span(doc, tok.i, tok.i + 1, label=rid))
    return out


def _role_in_list(doc: Doc, i: int, step: int, starts: set[int], ends: set[int]) -> bool:
    """Walking from token ``i`` in direction ``step`` through list separators,
    determiners and sector words ("education", "housing"), is the next item a role?"""
    k = i + step
    seen_sep = False
    for _ in range(8):
        if k < 0 or k >= len(doc):
            return False
        if seen_sep and (k in starts if step > 0 else k + 1 in ends):
            return True
        low = doc[k].lower_
        if low in _LIST_SEPARATORS:
            seen_sep = True
        elif not (seen_sep and low in _LIST_DETERMINERS | _LIST_SECTORS):
            return False
        k += step
    return False


def _compound_numbers(pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Let every number in a token pattern be a compound number word too: spaCy splits
    "twenty-four" into three tokens and "forty five" into two, so a ``LIKE_NUM`` token
    may be followed by an optional hyphen and a second number word."""
    out: list[dict[str, Any]] = []
    for tok in pattern:
        out.append(tok)
        if tok.get("LIKE_NUM") is True:
            out += [{"ORTH": "-", "OP": "?"}, {"LOWER": {"IN": list(_UNITS)}, "OP": "?"}]
    return out


_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class PackMatcher:
    """Find one kind of pack pattern (roles, modals, oversight or timescales) in a Doc."""

    def __init__(self, nlp: Language, name: str, pack: Pack, kind: str, key: str) -> None:
        self.name = name
        self.kind = kind
        self.key = key
        self.pack = pack
        self.phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher = Matcher(nlp.vocab)
        self.patterns: list[dict[str, Any]] = []
        self.listed_labels: dict[str, str] = {}
        """Bare one-word labels that are not patterns ("health"): a role only in a list of roles."""
        if kind == "roles":
            for r in pack.roles.values():
                words = {p.lower() for p in r.patterns if isinstance(p, str)}
                if r.cls != "subject" and " " not in r.label and r.label.isalpha() and r.label.lower() not in words:
                    self.listed_labels[r.label.lower()] = r.id
        for label, pats in self._entries(pack):
            phrases = [p for p in pats if isinstance(p, str)]
            tokens = [p for p in pats if not isinstance(p, str)]
            if phrases:
                variants = sorted({v for p in phrases for s in spelling_variants(p) for v in plural_variants(s)})
                self.phrase.add(label, list(nlp.tokenizer.pipe(variants)))
            if tokens:
                self.matcher.add(label, [_compound_numbers(t) for t in tokens])
            self.patterns += [{"label": label, "pattern": p} for p in pats]

    def _entries(self, pack: Pack) -> Iterable[tuple[str, tuple[Any, ...]]]:
        if self.kind == "roles":
            return [(r.id, r.patterns) for r in pack.roles.values()]
        rules: tuple[PatternRule, ...] = getattr(pack, self.kind)
        return [(r.id, r.patterns) for r in rules]

    def match(self, doc: Doc) -> list[Span]:
        """The longest non-overlapping matches, in order."""
        spans = [Span(doc, s, e, label=m) for m, s, e in self.phrase(doc)] if len(self.phrase) else []
        if len(self.matcher):
            spans += [Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)]
        found = sorted(filter_spans(spans), key=lambda s: s.start)
        if self.kind != "roles":
            return found
        found = _with_aliases(doc, found)
        if self.listed_labels:
            found = sorted(found + _listed_label_spans(doc, found, self.listed_labels), key=lambda s: s.start)
        return found

    def set_annotations(self, doc: Doc, spans: list[Span]) -> None:
        doc.spans[self.key] = spans

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(p / "patterns.jsonl", self.patterns)

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> "PackMatcher":
        return self  # rebuilt from the pack named in the config


def _factory(kind: str, key: str) -> Callable[[Language, str, str], PackMatcher]:
    def make(nlp: Language, name: str, pack: str) -> PackMatcher:
        return PackMatcher(nlp, name, load_pack(pack), kind, key)

    return make


for _name, _kind, _key in (
    ("tracker_roles", "roles", ROLES),
    ("tracker_modals", "modals", MODALS),
    ("tracker_oversight", "oversight", OVERSIGHT),
    ("tracker_timescales", "timescales", TIMESCALES),
):
    if not Language.has_factory(_name):
        Language.factory(_name, assigns=[f"doc.spans"], default_config={"pack": DEFAULT_PACK})(_factory(_kind, _key))
