"""Text normalisation shared by every parser: what compares equal.

Curly and straight quotes, the dashes, non-breaking spaces, ligatures and runs of white
space compare equal; the original wording is kept for display.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean", "norm"]

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00ad": None, "\u200b": None, "\ufeff": None,
        "\u2026": "...",
    }
)
_LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"}
_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")


def clean(text: str) -> str:
    """Display form: NFC, soft hyphens and zero-width marks dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").replace("\u200b", "")
    text = text.replace("\ufeff", "").replace("\u00a0", " ")
    text = text.translate(_LIGATURES)
    return _WS.sub(" ", text).strip()


def norm(text: str) -> str:
    """Comparison key: NFKC, quotes and dashes folded, case folded, spacing collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _WS.sub(" ", text).strip().casefold()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text)
