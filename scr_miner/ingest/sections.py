"""Headings to sections, each mapped to a canonical kind."""

from __future__ import annotations

import re

from scr_miner.ingest.paragraphs import Block

# Order matters: the first pattern that matches a heading decides its kind.
SECTION_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("concerns", re.compile(r"coroner.?s concerns|matters? of concern", re.I)),
    ("action", re.compile(r"action should be taken", re.I)),
    ("response", re.compile(r"your response", re.I)),
    ("recommendations", re.compile(r"recommendation", re.I)),
    ("lessons", re.compile(r"lessons?|learning|questions for the", re.I)),
    ("recommendations", re.compile(r"action(s)? already taken|improvements already", re.I)),
    ("findings", re.compile(r"finding|conclusion|good practice|went (well|right|wrong)", re.I)),
    ("terms-of-reference", re.compile(r"terms of reference|scope|key lines of enquiry", re.I)),
    ("methodology", re.compile(r"method|review process|the review|involvement|practitioner|"
                               r"case group", re.I)),
    ("chronology", re.compile(
        r"chronolog|summary of (events|involvement)|key (practice )?episodes|timeline|"
        r"narrative|circumstances of the death|what happened", re.I)),
    ("summary", re.compile(r"summary|overview|synopsis", re.I)),
    ("analysis", re.compile(r"analysis|discussion|appraisal|practice issues|themes|episode",
                            re.I)),
    ("appendix", re.compile(r"appendix|annex|glossary|references|bibliography|abbreviations|"
                            r"membership|copies and publication", re.I)),
    ("background", re.compile(
        r"background|introduction|foreword|preface|family|pen picture|context|about|"
        r"why this (review|case)|child at the centre|"
        r"investigation and inquest|"
        r"equality|diversity|legal powers|coroner", re.I)),
]


def section_kind(title: str) -> str:
    """Map a heading's text to a canonical section kind, or 'other'."""
    for kind, pattern in SECTION_KINDS:
        if pattern.search(title):
            return kind
    return "other"


def heading_level(block: Block, heading_sizes: list[float]) -> int:
    """Level 1 for the largest heading type, deeper for smaller or more deeply numbered ones.

    The deeper of the two wins: '10. What was known' set under 'Part 5 – Analysis' in smaller
    type is a level-2 heading inside Part 5, though its number has one part only.
    """
    rank = 3
    for index, size in enumerate(heading_sizes, start=1):
        if block.size >= size - 0.5:
            rank = min(index, 3)
            break
    numbered = re.match(r"^(\d+(?:\.\d+)*)\.?\s", block.text)
    depth = numbered.group(1).count(".") + 1 if numbered else 1
    return min(3, max(rank, depth))


def clean_heading(text: str) -> str:
    """Heading text without its number and stray punctuation."""
    return re.sub(r"^(\d+(\.\d+)*\.?|[A-Z]\.|\(\w+\))\s+", "", text).strip(" :–-")
