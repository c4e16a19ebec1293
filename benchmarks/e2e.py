"""End to end: generated review PDFs to a served, searchable site, then the re-run.

Usage: python benchmarks/e2e.py [--reviews 1000] [--jobs 2] [--baseline-pdfs 4]

1. Generates N fictional reviews of about 40 pages (benchmarks/generate.py, under
   benchmarks/.data/reviews/, kept between runs, never committed; not timed).
2. Times ``scr-miner run FOLDER --db scr.db --site site.db --jobs N --embeddings E`` from an
   empty database (ingest -> classify -> publish with passage embeddings: the full MiniLM by
   default, or ``--embeddings static``, the distilled table, or none -> site swapped in), then
   ``scr-miner serve --db site.db`` until a full-text search and a semantic search both answer.
3. Times the same ``scr-miner run`` again over the unchanged corpus (every file skipped by
   sha256, nothing to label or embed, site unchanged).
4. Baseline, in the same process: a plain ``pdfplumber ... extract_text()`` loop over a few of
   the same PDFs, extrapolated linearly to all their pages (text only: no passages, labels,
   embeddings or index).

With fewer than 1,000 reviews it also prints a linear per-stage extrapolation to 1,000, marked
as such. Targets (issue 8): 1,000 reviews in under 30 minutes; the re-run under 5% of that.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_OUT, generate  # noqa: E402
from ingest import plumber_loop  # noqa: E402 - the same baseline as benchmarks/ingest.py

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".data" / "e2e"
SCR_MINER = Path(sys.executable).with_name("scr-miner")
TARGET_SECONDS, RERUN_SHARE, TARGET_REVIEWS = 30 * 60, 0.05, 1000


def machine() -> str:
    """Cores, CPU model, memory and the current load, for the record."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               "unknown CPU")
    mem = next((int(line.split()[1]) // 1024 ** 2 for line in
                Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, "
            f"load average {os.getloadavg()[0]:.1f}")


def run_pipeline(folder: Path, db: Path, site: Path, jobs: int, embeddings: str
                 ) -> tuple[float, dict]:
    """Wall seconds and the JSON summary of one ``scr-miner run``."""
    command = [str(SCR_MINER), "run", str(folder), "--db", str(db), "--site", str(site),
               "--jobs", str(jobs), "--embeddings", embeddings, "--json"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"scr-miner run failed ({result.returncode}): {result.stderr[-2000:]}")
    return seconds, json.loads(result.stdout)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> int:
    """Number of hits a search URL returns (raises while the server is not up)."""
    with urllib.request.urlopen(url, timeout=120) as response:
        body = json.load(response)
    return len(body["results"] if isinstance(body, dict) else body)


def serve_until_searchable(site: Path, embeddings: str) -> tuple[float, int, int]:
    """Seconds from ``scr-miner serve`` to a full-text and a semantic answer; hit counts."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(SCR_MINER), "serve", "--db", str(site), "--port", str(port),
         "--metadata", str(ROOT / "metadata.yml")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    fts = f"{base}/{site.stem}/search_findings.json?_shape=array&q=" + urllib.parse.quote(
        "health visitor")
    semantic = f"{base}/-/semantic.json?limit=10&q=" + urllib.parse.quote(
        "the school was not told about the police call-out")
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                fts_hits = answers(fts)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        semantic_hits = answers(semantic) if embeddings != "none" else 0
        return time.perf_counter() - started, fts_hits, semantic_hits
    finally:
        server.terminate()
        server.wait(timeout=30)


def fmt(seconds: float) -> str:
    """Seconds as 'Ns (M.m min)'."""
    return f"{seconds:8.1f} s ({seconds / 60:5.1f} min)"


def report(args: argparse.Namespace, made: list[tuple[Path, int]], first: tuple[float, dict],
           serving: tuple[float, int, int], rerun: tuple[float, dict],
           baseline: tuple[float, int, int]) -> None:
    """Print every figure, the ratios and (below 1,000 reviews) the extrapolation."""
    pages = sum(n for _, n in made)
    wall, summary = first
    ingest, classify, publish = summary["ingest"], summary["classify"], summary["publish"]
    passages = ingest["passages"]
    stages = {"ingest": ingest["seconds"], "classify": classify["seconds"],
              "publish": publish["seconds"]}
    overhead = wall - sum(stages.values())  # process start, imports, model loading
    total = wall + serving[0]
    print(f"corpus: {len(made)} generated reviews, {pages} pages, {passages} passages")
    print(f"first run: scr-miner run --jobs {args.jobs} --site --embeddings {args.embeddings}, "
          "from an empty database")
    print(f"  ingest    {fmt(stages['ingest'])}  {pages / stages['ingest']:7.1f} pages/s "
          f"({ingest['failed']} failed)")
    print(f"  classify  {fmt(stages['classify'])}  {passages / stages['classify']:7.1f} "
          "passages/s")
    print(f"  publish   {fmt(stages['publish'])}  {publish['embedded'] / stages['publish']:7.1f} "
          f"passages/s embedded ({publish['embedded']}, {args.embeddings}), FTS, views, "
          "site copy swapped in")
    print(f"  start-up  {fmt(overhead)}  (process, imports, models)")
    semantic = (f"semantic ({serving[2]} hits)" if args.embeddings != "none"
                else "(semantic search off)")
    print(f"  serve     {fmt(serving[0])}  until full-text ({serving[1]} hits) and {semantic} "
          "searches answer")
    print(f"  total     {fmt(total)}  {pages / total:7.1f} pages/s end to end")
    rerun_wall, again = rerun
    print(f"re-run over the unchanged corpus: {fmt(rerun_wall)} = "
          f"{rerun_wall / wall:.1%} of the first run (target < {RERUN_SHARE:.0%}); "
          f"{again['ingest']['skipped']} files unchanged, {again['classify']['classified']} "
          f"labelled, {again['publish']['embedded']} embedded, site "
          f"{'replaced' if again['publish']['site_replaced'] else 'unchanged'}")
    base_seconds, base_pages, base_files = baseline
    base_rate = base_pages / base_seconds
    print(f"baseline: pdfplumber extract_text loop over {base_files} of the PDFs "
          f"({base_pages} pages): {base_rate:.1f} pages/s; EXTRAPOLATED to all {pages} pages: "
          f"{fmt(pages / base_rate)}  (text only, one process)")
    print(f"ratio: scr-miner end to end (text, passages, labels, embeddings, index, served) "
          f"{(pages / total) / base_rate:.2f}x the pdfplumber text loop's pages/s")
    if len(made) < TARGET_REVIEWS:
        scale = TARGET_REVIEWS / len(made)
        projected = sum(stages.values()) * scale + overhead + serving[0]
        embed_share = stages["publish"] * scale / projected
        print(f"EXTRAPOLATION (linear per stage, x{scale:.0f}) to {TARGET_REVIEWS} reviews: "
              f"{fmt(projected)}; publish/embeddings {embed_share:.0%} of it; "
              f"target 30 min {'met' if projected < TARGET_SECONDS else 'NOT met'}; "
              f"re-run {rerun_wall / projected:.1%} of it (re-run time grows only with the "
              "sha256 of each file)")
    else:
        print(f"target 30 min: {'met' if total < TARGET_SECONDS else 'NOT met'}; re-run "
              f"{'met' if rerun_wall < RERUN_SHARE * wall else 'NOT met'}")


def main() -> int:
    """Generate, run, serve, re-run, baseline; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=TARGET_REVIEWS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline-pdfs", type=int, default=4)
    parser.add_argument("--embeddings", choices=("minilm", "static", "none"), default="minilm",
                        help="passage vectors: the full MiniLM, the distilled static table, or "
                        "none (full-text site only)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    started = time.perf_counter()
    made = generate(args.reviews, DEFAULT_OUT, args.jobs)
    print(f"generated/checked {len(made)} reviews in {time.perf_counter() - started:.0f} s "
          "(not timed)")
    folder = WORK / f"pdfs-{args.reviews}"
    shutil.rmtree(WORK, ignore_errors=True)
    folder.mkdir(parents=True)
    for path, _ in made:  # the first N only, even when more were generated earlier
        os.link(path, folder / path.name)
    db, site = WORK / "scr.db", WORK / "site.db"
    first = run_pipeline(folder, db, site, args.jobs, args.embeddings)
    serving = serve_until_searchable(site, args.embeddings)
    rerun = run_pipeline(folder, db, site, args.jobs, args.embeddings)
    sample = [p for p, _ in made[:: max(1, len(made) // args.baseline_pdfs)]][: args.baseline_pdfs]
    base_seconds, base_pages = plumber_loop(sample)
    report(args, made, first, serving, rerun, (base_seconds, base_pages, len(sample)))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
