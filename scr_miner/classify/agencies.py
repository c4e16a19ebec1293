"""Agencies mentioned in a passage (found by the ``scr_agencies`` gazetteer in nlp.py)."""

from __future__ import annotations

from spacy.tokens import Doc


def agencies_in(doc: Doc) -> list[str]:
    """Agency ids mentioned in ``doc``, in order of first mention."""
    seen: dict[str, None] = {}
    for span in doc.spans["agencies"]:
        seen.setdefault(span.label_, None)
    return list(seen)
