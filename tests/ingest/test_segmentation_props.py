"""Property-based tests of paragraph and section segmentation on synthetic laid-out pages."""

from __future__ import annotations

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from scr_miner.ingest.paragraphs import blocks_from_pages, join_lines
from scr_miner.ingest.pdf import SOFT_HYPHEN, Line, Page
from scr_miner.ingest.sections import clean_heading, section_kind

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
SENTENCE = st.lists(WORD, min_size=3, max_size=18).map(lambda w: " ".join(w).capitalize() + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=6).map(" ".join)

SIZE, LEADING, GAP = 11.0, 14.85, 8.0
LEFT, WIDTH, CHAR = 72.0, 440.0, 5.5  # a monospaced stand-in: 80 characters a line
TOP, BOTTOM = 72.0, 760.0


def wrap(text: str) -> list[str]:
    """Greedy line filling, as a typesetter does."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) * CHAR > WIDTH and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


def lay_out(paragraphs: list[str]) -> list[Page]:
    """Set paragraphs on A4 pages: fixed leading, a gap between paragraphs, page breaks."""
    pages = [Page(1, 595, 842)]
    y = TOP
    for paragraph in paragraphs:
        for text in wrap(paragraph):
            if y > BOTTOM:
                pages.append(Page(len(pages) + 1, 595, 842))
                y = TOP
            pages[-1].lines.append(
                Line(text, LEFT, LEFT + len(text) * CHAR, y, y + SIZE * 1.16, SIZE))
            y += LEADING
        y += GAP
    return pages


@given(st.lists(PARAGRAPH, min_size=1, max_size=12))
@example(  # mostly one-line paragraphs: most line steps are paragraph gaps (found by CI)
    ["A a a."] * 3
    + ["A aaa aaaa aaaaaaa aaaaaaaaaa aaaaaaaaaaaa aaaaaaaaaaaa. Aa aaaaa aaaaaa aaaaaaa."]
)
@settings(max_examples=60, deadline=None)
def test_laid_out_paragraphs_come_back_whole(paragraphs: list[str]) -> None:
    """Whatever the paragraphs and wherever the page breaks fall, each comes back as a block.

    (At least one paragraph must wrap: the leading is learnt from the document itself.)
    """
    assume(any(len(wrap(p)) > 1 for p in paragraphs))
    blocks = blocks_from_pages(lay_out(paragraphs))
    assert [b.text for b in blocks] == paragraphs


@given(st.lists(PARAGRAPH, min_size=1, max_size=8), st.integers(1, 9))
@settings(max_examples=40, deadline=None)
def test_numbered_paragraphs_keep_their_numbers(paragraphs: list[str], section: int) -> None:
    """'4.12 Text…' paragraphs keep their number as ``number`` and in the text."""
    assume(any(len(wrap(p)) > 1 for p in paragraphs))
    numbered = [f"{section}.{i} {p}" for i, p in enumerate(paragraphs, start=1)]
    blocks = blocks_from_pages(lay_out(numbered))
    assert [b.text for b in blocks] == numbered
    assert [b.number for b in blocks] == [f"{section}.{i}" for i in range(1, len(numbered) + 1)]


@given(st.lists(WORD, min_size=1, max_size=40), st.integers(1, 8))
def test_join_lines_restores_wrapped_words(words: list[str], per_line: int) -> None:
    """Lines cut at spaces join back to the original text."""
    lines = [" ".join(words[i:i + per_line]) for i in range(0, len(words), per_line)]
    assert join_lines(lines) == " ".join(words)


@given(WORD.filter(lambda w: len(w) >= 2), st.integers(1, 11), st.lists(WORD, max_size=5))
def test_soft_hyphens_are_undone(word: str, cut: int, rest: list[str]) -> None:
    """A word broken at a soft hyphen (pdfium's line-end marker) is joined without it."""
    cut = min(cut, len(word) - 1)
    lines = [f"the {word[:cut]}{SOFT_HYPHEN}", " ".join([word[cut:], *rest])]
    assert join_lines(lines) == " ".join(["the", word, *rest])


@given(st.lists(WORD, min_size=1, max_size=6), st.integers(1, 12), st.integers(1, 20))
def test_heading_numbers_do_not_change_the_kind(words: list[str], major: int,
                                                minor: int) -> None:
    """'4.2 Title' and 'Title' are the same section kind and clean to the same title."""
    title = " ".join(words).capitalize()
    for numbered in (f"{major}. {title}", f"{major}.{minor} {title}"):
        assert clean_heading(numbered) == clean_heading(title)
        assert section_kind(clean_heading(numbered)) == section_kind(title)


def test_a_very_long_paragraph_is_read_in_linear_time() -> None:
    """A paragraph running over 100+ pages (no numbers, no gaps) is assembled in seconds."""
    import time

    text = " ".join(["word"] * 12) + " and so on without an end"
    paragraph = " ".join([text] * 6_000)
    pages = lay_out([paragraph])
    assert len(pages) > 100
    started = time.perf_counter()
    blocks = blocks_from_pages(pages)
    assert time.perf_counter() - started < 10
    assert [b.text for b in blocks] == [paragraph]
