"""Every custom spaCy attribute the tracker sets, declared in one place.

The components write their spans to ``doc.spans[KEY]``; no ``Doc._``/``Span._``
extensions are needed beyond the span-group keys below.
"""

from __future__ import annotations

__all__ = ["MODALS", "OVERSIGHT", "ROLES", "TIMESCALES"]

ROLES = "tracker_roles"
"""Span group of role mentions; ``span.label_`` is the role id."""
MODALS = "tracker_modals"
"""Span group of modal expressions; ``span.label_`` is the modal rule id."""
OVERSIGHT = "tracker_oversight"
"""Span group of oversight mechanisms; ``span.label_`` is the oversight rule id."""
TIMESCALES = "tracker_timescales"
"""Span group of timescales; ``span.label_`` is the timescale rule id."""
