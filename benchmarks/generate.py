"""Generate fictional review PDFs for scale runs (never committed: benchmarks/.data/).

Usage: python benchmarks/generate.py [--reviews 1000] [--out benchmarks/.data/reviews] [--jobs 2]

Each generated review is stitched from the bodies of three sample-corpus sources
(corpus/src/*.md, all fictional) under a new fictional area, board and subject, and rendered
by the corpus's own renderer (corpus/build.py): cover, contents, running headers, hanging
paragraph numbers, tables, two-column summaries. Three bodies make about 40 pages, the length
of a typical published review. Generation is deterministic (seeded by the review number), and
existing files are kept, so a second call costs nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "corpus" / "src"
DEFAULT_OUT = ROOT / "benchmarks" / ".data" / "reviews"
BODIES = 3
TYPES = {"SCR": "Local Safeguarding Children Board", "CSPR": "Safeguarding Children Partnership",
         "SAR": "Safeguarding Adults Board", "DHR": "Community Safety Partnership"}
SYLLABLES = ["ash", "brook", "cal", "dun", "eld", "fen", "gar", "hal", "ing", "kel", "lan",
             "mar", "nor", "ock", "pen", "quar", "ros", "stan", "thorn", "ul", "ver", "wick"]
ENDINGS = ["by", "ford", "ham", "ley", "mouth", "stead", "ton", "well", "wick", "worth"]


@lru_cache(maxsize=1)
def renderer() -> ModuleType:
    """corpus/build.py, imported as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("corpus_build", ROOT / "corpus" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def sources() -> list[tuple[dict, str]]:
    """(front matter, body) of every non-coroner sample review (PFDs have their own layout)."""
    build = renderer()
    found = []
    for path in sorted(SOURCES.glob("*.md")):
        meta, body = build.split_front_matter(path.read_text(encoding="utf-8"))
        if str(meta.get("review_type")).upper() != "PFD":
            found.append((meta, body))
    return found


def place_name(rng: random.Random) -> str:
    """An invented English-sounding place name."""
    return (rng.choice(SYLLABLES) + rng.choice(ENDINGS)).capitalize()


def without_title_block(body: str) -> str:
    """The body from its second top-level heading on (drops the title block of a source)."""
    starts = [m.start() for m in re.finditer(r"(?m)^# ", body)]
    return body[starts[1]:] if len(starts) > 1 else body


def strip_footnotes(body: str) -> str:
    """Remove footnote marks and definitions (their numbers would clash between sources)."""
    body = re.sub(r"(?m)^\[\^[^\]]+\]:.*$", "", body)
    return re.sub(r"\[\^[^\]]+\]", "", body)


def review_markdown(number: int) -> tuple[str, str]:
    """(id, Markdown source) of generated review ``number``."""
    rng = random.Random(number)
    picked = rng.sample(sources(), BODIES)
    review_type = rng.choice(list(TYPES))
    area = f"{place_name(rng)}{number}"
    letter = chr(ord("A") + number % 26)
    subject = f"Child {letter}" if review_type in ("SCR", "CSPR") else f"Adult {letter}"
    year = rng.randint(2010, 2025)
    rid = f"{review_type.lower()}-{year}-{area.lower()}-{subject.lower().replace(' ', '-')}"
    parts = []
    for i, (meta, body) in enumerate(picked):
        body = strip_footnotes(body if i == 0 else without_title_block(body))
        for old in {str(meta.get("area", "")), str(meta.get("subject", ""))} - {""}:
            body = body.replace(old, area if old == meta.get("area") else subject)
        parts.append(body.strip())
    layout = dict(picked[0][0].get("layout") or {})
    layout.update(scanned_page=rng.random() < 0.05, landscape_chronology=False,
                  header=f"{area} – {subject} – {review_type}")
    front = {
        "id": rid, "title": f"{review_type} review: {subject}", "review_type": review_type,
        "board": f"{area} {TYPES[review_type]}", "area": area, "year": year,
        "published": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "subject": subject, "author": "A. Reviewer, Independent Reviewer", "layout": layout,
    }
    import yaml

    return rid, f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n\n" + "\n\n".join(parts)


def generate_one(number: int, out: Path) -> tuple[Path, int]:
    """Render review ``number`` into ``out`` unless it exists; return (path, pages)."""
    build = renderer()
    rid, text = review_markdown(number)
    path = out / f"{number:05d}-{rid}.pdf"
    if not path.exists():
        review = build.parse_review(text)
        try:
            data = build.build_pdf(review)
        except Exception:  # noqa: BLE001 - fpdf2 misjudged a long contents page: drop it
            review.meta["layout"] = {**review.layout, "contents": False}
            data = build.build_pdf(review)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # a half-written file never looks finished
    return path, build.page_count(path.read_bytes())


def generate(reviews: int, out: Path = DEFAULT_OUT, jobs: int = 2) -> list[tuple[Path, int]]:
    """Make sure reviews 0..n-1 exist under ``out``; return (path, pages) in order."""
    out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(generate_one, range(reviews), [out] * reviews, chunksize=4))


def main() -> int:
    """Generate and report how many pages were made."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    made = generate(args.reviews, args.out, args.jobs)
    pages = sum(n for _, n in made)
    print(f"{len(made)} reviews, {pages} pages in {args.out} "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
