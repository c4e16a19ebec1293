"""Agencies mentioned in a passage (found by the ``scr_agencies`` gazetteer in nlp.py)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


def agencies_in(doc: Doc) -> list[str]:
    """Agency ids mentioned in ``doc``, in order of first mention."""
    seen: dict[str, None] = {}
    for span in doc.spans["agencies"]:
        seen.setdefault(span.label_, None)
    return list(seen)


def agencies_of_text(nlp: Language, text: str) -> list[str]:
    """Agency ids a whole record names, the union over its passages in order of first mention,
    as ``classify`` gives them for a record."""
    from scr_miner.classify.model import passages_of

    named: list[str] = []
    for doc in nlp.pipe(passages_of(text)):
        named += [a for a in agencies_in(doc) if a not in named]
    return named
