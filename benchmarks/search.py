"""Search latency through a running `scr-miner serve`: full-text and semantic, with baselines.

Builds (once, cached) a synthetic database of 200,000 passages of fictional, generated review
text in 2,000 fictional reviews, with the real schema, FTS5 index and views. Vectors: a bank of
generated sentences (a quarter about information between agencies, the rest family chronology,
so that a word like "school" reaches a share of passages close to the sample corpus's rather
than half of them) is embedded with the real all-MiniLM-L6-v2; each passage is 2-4 of those
sentences and its vector is the normalised mean of theirs. So the vectors live in the same space
as the query's MiniLM vector and are as clustered as real passages; they are not what MiniLM
would give the whole passage (embedding 200,000 passages would take about an hour on 2 cores).

Then it starts a real server on a free port and times HTTP requests, sequentially:
- full-text: the ``search_findings`` canned query (FTS5 MATCH, bm25 order, snippet()), against
  a baseline of the same words matched with ``LIKE '%word%'`` through raw SQL;
- semantic: ``/-/semantic.json`` (MiniLM query embedding + numpy matrix product + filters),
  against a baseline of a per-row Python cosine over the stored vectors (in-process, few runs).

Usage: python benchmarks/search.py [--passages 200000] [--db PATH] [--rebuild] [--runs 60]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from array import array
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = ROOT / "benchmarks" / ".data" / "scr.db"
PER_REVIEW = 100
BANK = 2000  # generated sentences embedded with MiniLM
SEED = 20240601

AGENCIES = ["the police", "children's social care", "the health visitor", "the GP",
            "the midwife", "the hospital", "the ambulance service", "the school", "the nursery",
            "CAMHS", "adult mental health services", "the substance misuse service",
            "probation", "the youth offending team", "the housing provider",
            "adult social care", "the domestic abuse service", "MARAC", "a voluntary agency"]
FAILURES = [
    "did not share {what} with {other}", "did not tell {other} about {what}",
    "never received {what} from {other}", "recorded {what} but did not pass it to {other}",
    "was not invited to the strategy discussion about {what}",
    "did not check with {other} before closing the case despite {what}",
    "accepted the mother's account of {what} without checking with {other}",
    "was not told the outcome of its referral about {what} by {other}",
    "could not see the records of {other} that showed {what}",
    "believed that consent was needed before telling {other} about {what}",
    "did not escalate its disagreement with {other} about {what}",
    "lost the file about {what} when the family moved and {other} took over",
    "shared {what} promptly with {other}, which was good practice",
]
CONCERNS = ["the bruising on the baby's arm", "the domestic abuse incident",
            "missed health appointments", "the father's previous convictions",
            "the child's school absence", "the mother's alcohol use", "the unexplained fracture",
            "the family's move to a new area", "the older sibling's disclosure",
            "the neglect of the home", "the threat made by the partner",
            "the medication that was not collected", "the self-harm by the young person",
            "the missing episodes", "the overcrowded housing"]
OPENERS = ["In March {year}", "During the review period", "On one occasion",
           "Shortly after the birth", "Over the following months", "In the autumn of {year}",
           "At the initial child protection conference", "Before the case was closed"]
# Narrative sentences (chronology, background): most of a real review's text, and what keeps
# each agency or concern word to the 2-15% of passages it reaches in the sample corpus.
PEOPLE = ["Mother", "Father", "the maternal grandmother", "the older sister", "Mr Hale",
          "Ms Orr", "the partner", "the paternal aunt", "the lodger", "the neighbour",
          "the young person", "the baby", "the twins", "the stepfather", "the uncle"]
EVENTS = ["moved into a two-bedroom flat in {place}", "started a new job at {place}",
          "visited relatives in {place}", "attended a {service} appointment in {place}",
          "was seen by a {service} practitioner at {place}", "spent the weekend at {place}",
          "did not attend the appointment at {place}", "was discharged from {place}",
          "began a college course near {place}", "returned from {place} with the children",
          "reported that money was short after the move to {place}",
          "told a friend in {place} that things were difficult"]
PLACES = ["Ashby Road", "Westfield", "the retail park", "Kingsmead", "the family centre",
          "Holloway Street", "the leisure centre", "Brackley", "the library", "Millbrook",
          "Fernside", "the community hall", "Oldbury", "Riverside Court", "Thornton"]
SERVICES = ["dental", "audiology", "physiotherapy", "speech and language", "dermatology",
            "orthodontic", "optician", "podiatry", "asthma clinic", "immunisation"]
INFO_SHARE = 0.25  # chance that a sentence of a passage is about information between agencies
QUESTIONS = [
    "the school was never told about the domestic abuse",
    "nobody checked the father's previous convictions",
    "health visitor did not share concerns with social care",
    "records were lost when the family moved",
    "the GP did not know about the injuries",
    "agencies believed they needed consent to share",
    "the referral outcome was never fed back",
    "no one escalated the disagreement",
    "police information was not passed to the school",
    "missed appointments were not followed up",
]
# FTS5 syntax, as a user types it into the canned query: words (AND) and "quoted phrases"
FTS_TERMS = ["school", '"health visitor"', "bruising", "consent", "escalate", "referral",
             "police", "records", "neglect", "alcohol", "GP", "conference", "midwife",
             "housing", '"self harm"', "disclosure", "fracture", '"strategy discussion"',
             "school police", "GP injuries"]


def sentence_bank(rng: random.Random, size: int) -> list[str]:
    """Distinct fictional sentences about agencies and what they did with information."""
    bank: set[str] = set()
    while len(bank) < size:
        agency, other = rng.sample(AGENCIES, 2)
        failure = rng.choice(FAILURES).format(what=rng.choice(CONCERNS), other=other)
        opener = rng.choice(OPENERS).format(year=rng.randint(2009, 2024))
        bank.add(f"{opener}, {agency} {failure}.")
    return sorted(bank)


def narrative_bank(rng: random.Random, size: int) -> list[str]:
    """Distinct fictional chronology sentences about the family (few agency words)."""
    bank: set[str] = set()
    while len(bank) < size:
        event = rng.choice(EVENTS).format(place=rng.choice(PLACES),
                                          service=rng.choice(SERVICES))
        opener = rng.choice(OPENERS).format(year=rng.randint(2009, 2024))
        bank.add(f"{opener}, {rng.choice(PEOPLE)} {event}.")
    return sorted(bank)


def build(path: Path, passages: int) -> None:
    """Write the synthetic database with the real schema, FTS index, views and vectors."""
    from scr_miner.classify.embed import MINILM_NAME, contextual_embedder
    from scr_miner.publish.site import ensure_fts, ensure_views
    from scr_miner.store.db import open_db, set_meta

    rng = random.Random(SEED)
    started = time.perf_counter()
    info = sentence_bank(rng, BANK // 2)
    bank = info + narrative_bank(rng, BANK - len(info))
    vectors = contextual_embedder().embed(bank, batch_size=128)
    print(f"embedded {len(bank)} generated sentences in {time.perf_counter() - started:.0f}s",
          flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = open_db(path)
    types = ["SCR", "CSPR", "SAR", "DHR", "PFD"]
    reviews = passages // PER_REVIEW
    with db.conn:
        db.conn.executemany(
            "insert into reviews (id, sha256, file, title, review_type, board, area, year, "
            "pages, published) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [(f"r{i:05d}", f"{i:064x}", f"synthetic/r{i:05d}.pdf", f"Synthetic review {i}",
              types[i % 5], f"Board {i % 97}", f"Area {i % 97}", 2010 + i % 15, 40)
             for i in range(reviews)])
        db.conn.executemany("insert into themes (id, [group], label, definition) "
                            "values (?, 'flow', ?, '')",
                            [(t, t) for t in ("not-shared", "not-sought", "transfer-gap")])
        for start in range(0, passages, 20_000):
            rows, blobs = [], []
            for n in range(start, min(start + 20_000, passages)):
                picked = [rng.randrange(len(info)) if rng.random() < INFO_SHARE
                          else rng.randrange(len(info), len(bank))
                          for _ in range(rng.randint(2, 4))]
                text = f"{n % PER_REVIEW + 1}.{rng.randint(1, 9)} " + " ".join(
                    bank[i] for i in picked)
                vector = vectors[picked].mean(axis=0)
                pid = f"r{n // PER_REVIEW:05d}:p{n % PER_REVIEW:04d}"
                page = 1 + (n % PER_REVIEW) // 3
                rows.append((pid, pid[:6], "findings", page, page, text))
                blobs.append((pid, MINILM_NAME,
                              (vector / np.linalg.norm(vector)).astype(np.float32).tobytes()))
            db.conn.executemany(
                "insert into passages (id, review_id, section_kind, page_start, page_end, kind, "
                "text) values (?, ?, ?, ?, ?, 'paragraph', ?)", rows)
            db.conn.executemany("insert into passage_embeddings values (?, ?, ?)", blobs)
            db.conn.executemany(
                "insert into passage_themes (passage_id, theme_id, score, evidence) "
                "values (?, ?, 0.8, '')",
                [(r[0], rng.choice(["not-shared", "not-sought", "transfer-gap"]))
                 for r in rows if rng.random() < 0.3])
    ensure_fts(db)
    ensure_views(db)
    set_meta(db, embedding_model=MINILM_NAME, synthetic="1")
    db.execute("pragma journal_mode = delete")
    db.execute("vacuum")
    db.conn.close()
    print(f"built {path} ({passages} passages, {path.stat().st_size / 1e6:.0f} MB) in "
          f"{time.perf_counter() - started:.0f}s", flush=True)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[float, bytes]:
    """Milliseconds and body of one GET."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, body


def percentiles(times: list[float]) -> str:
    """p50 / p95 / max of a list of milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   " \
           f"max {ordered[-1]:7.1f} ms   (n={len(ordered)})"


def like_sql(term: str) -> str:
    """The baseline: the same words with LIKE (a full scan), the same columns, 50 rows."""
    words = [w.replace("'", "''") for w in term.replace('"', "").split()]
    where = " and ".join(f"p.text like '%{w}%'" for w in words)
    return ("select p.id, r.title, r.year, p.page_start, substr(p.text, 1, 200) from passages p "
            f"join reviews r on r.id = p.review_id where r.published = 1 and {where} limit 50")


def naive_cosine(path: Path, question_vector: np.ndarray, limit: int = 10) -> list[str]:
    """The baseline: read every stored vector and compute a cosine per row in Python."""
    import sqlite3

    query = question_vector.tolist()
    scored = []
    conn = sqlite3.connect(path)
    for pid, blob in conn.execute("select passage_id, vector from passage_embeddings"):
        vector = array("f", blob)
        scored.append((sum(a * b for a, b in zip(query, vector, strict=True)), pid))
    conn.close()
    return [pid for _, pid in sorted(scored, reverse=True)[:limit]]


def measure(path: Path, runs: int) -> dict:
    """Start `scr-miner serve` on ``path`` and time the searches; returns the figures."""
    from scr_miner.classify.embed import contextual_embedder

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name = path.stem
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("scr-miner")), "serve", "--db", str(path),
         "--port", str(port), "--metadata", str(ROOT / "metadata.yml")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    figures: dict = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                get(f"{base}/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.5)
        rng = random.Random(SEED)
        fts_urls = [f"{base}/{name}/search_findings.json?_shape=array&q="
                    f"{urllib.parse.quote(rng.choice(FTS_TERMS))}" for _ in range(runs)]
        like_urls = [f"{base}/{name}.json?_shape=array&sql={urllib.parse.quote(like_sql(t))}"
                     for t in (rng.choice(FTS_TERMS) for _ in range(max(10, runs // 3)))]
        sem_urls = [f"{base}/-/semantic.json?limit=10&q="
                    f"{urllib.parse.quote(rng.choice(QUESTIONS))}" for _ in range(runs)]
        cold, body = get(sem_urls[0])  # loads the model (if not warm) and the vector matrix
        figures["semantic_first_ms"] = round(cold)
        hits = len(json.loads(body)["results"])
        get(fts_urls[0])
        figures["fts"] = [get(u)[0] for u in fts_urls]
        figures["like"] = [get(u)[0] for u in like_urls]
        figures["semantic"] = [get(u)[0] for u in sem_urls]
        figures["semantic_hits"] = hits
    finally:
        server.terminate()
        server.wait(timeout=20)
    embedder = contextual_embedder()
    vectors = embedder.embed(QUESTIONS[:3])
    naive = []
    for vector in vectors:
        started = time.perf_counter()
        naive_cosine(path, vector)
        naive.append((time.perf_counter() - started) * 1000)
    figures["naive"] = naive
    return figures


def main() -> None:
    """Build the database if needed, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=200_000)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        build(args.db, args.passages)
    figures = measure(args.db, args.runs)
    print(f"\nsearch latency through HTTP, {args.passages} passages, sequential requests")
    print(f"full-text  FTS5 canned query    {percentiles(figures['fts'])}   target p95 < 100 ms")
    print(f"  baseline LIKE '%word%' scan   {percentiles(figures['like'])}")
    print(f"semantic   /-/semantic.json     {percentiles(figures['semantic'])}   "
          f"target p95 < 300 ms")
    print(f"  first semantic request (model + vector matrix load): "
          f"{figures['semantic_first_ms']} ms")
    print(f"  baseline per-row Python cosine (in-process, no HTTP) "
          f"{percentiles(figures['naive'])}")


if __name__ == "__main__":
    main()
