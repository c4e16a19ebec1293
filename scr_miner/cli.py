"""The ``scr-miner`` command line: thin functions that parse arguments, call stages, print results.

Data goes to stdout (a table for people, or JSON with ``--json``); progress and errors go to
stderr. Exit status: 0 all ok, 1 some files failed to ingest, 2 usage or input error.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scr_miner import __version__
from scr_miner.errors import ScrMinerError, error

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(
    name="scr-miner",
    help="Mine Serious Case Reviews for lessons about information sharing between agencies.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2

DbOption = Annotated[Path, typer.Option("--db", help="SQLite database file.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
JobsOption = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")]
AccurateOption = Annotated[
    bool,
    typer.Option(
        "--accurate",
        help="Blend in the fine-tuned transformer: better labels (see the model card) at about"
        " 30-40 passages/s instead of about 1,000 (benchmarks/classify.py, 2 cores).",
    ),
]
ManifestOption = Annotated[
    Path | None, typer.Option("--manifest", help="CSV whose rows override guessed metadata.")
]


def handle_errors(func: Callable) -> Callable:
    """Turn ``ScrMinerError`` into one line on stderr and exit status 2 (never a traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScrMinerError as exc:
            err.print(f"[red]error[/red][{exc.code}]: {escape(exc.message)}", highlight=False,
                      soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            err.print("interrupted: re-run the same command to resume")
            raise typer.Exit(130) from None
        except _sqlite_errors() as exc:  # a damaged page found mid-run: one line, not a trace
            damaged = error("E051", reason=str(exc))
            err.print(f"[red]error[/red][{damaged.code}]: {escape(damaged.message)}",
                      highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper


def _sqlite_errors() -> tuple[type[Exception], ...]:
    """SQLite's DatabaseError from both bindings (sqlite-utils may use pysqlite3)."""
    import sqlite3

    from sqlite_utils.utils import sqlite3 as bound

    return (sqlite3.DatabaseError, bound.DatabaseError)


def emit(data: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    """The one output function: JSON on stdout, or the human rendering."""
    if as_json:
        out.print_json(json.dumps(data, default=str))
    else:
        human(data)


def progress_bar(description: str) -> Progress:
    """A progress bar on stderr."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _open(db_path: Path, must_exist: bool = False):  # noqa: ANN202
    from scr_miner.store.db import open_db

    return open_db(db_path, must_exist=must_exist)


def _require_paths(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            raise error("E001", path=path)


# ---------------------------------------------------------------- ingest
def do_ingest(
    paths: list[Path],
    db_path: Path,
    manifest: Path | None,
    jobs: int,
    max_pages: int,
    time_budget: float,
) -> dict[str, Any]:
    """Ingest files into the database; return a summary."""
    import time

    from scr_miner.ingest.batch import ingest_files, pdf_files
    from scr_miner.ingest.metadata import read_manifest
    from scr_miner.store.db import known_sha256, record_ingest_error, save_review

    _require_paths(paths)
    if manifest is not None:
        _require_paths([manifest])
    db = _open(db_path)
    files = pdf_files(paths)
    rows = read_manifest(manifest) if manifest else {}
    summary: dict[str, Any] = {
        "files": len(files),
        "ok": 0,
        "skipped": 0,
        "failed": 0,
        "pages": 0,
        "passages": 0,
        "image_only_pages": 0,
        "errors": [],
    }
    started = time.perf_counter()
    with progress_bar("ingest") as bar:
        task = bar.add_task("ingest", total=len(files), rate="")
        for outcome in ingest_files(
            files,
            known=known_sha256(db),
            manifest=rows,
            jobs=jobs,
            max_pages=max_pages,
            budget=time_budget,
        ):
            if outcome.skipped:
                summary["skipped"] += 1
            elif outcome.review is not None:
                save_review(db, outcome.review)
                summary["ok"] += 1
                summary["pages"] += outcome.review.pages
                summary["passages"] += len(outcome.review.passages)
                summary["image_only_pages"] += len(outcome.review.image_only_pages)
                for warning in outcome.review.warnings:
                    err.print(f"warning: {escape(str(outcome.path))}: {escape(warning)}",
                              highlight=False, soft_wrap=True)
            else:
                record_ingest_error(
                    db, str(outcome.path), outcome.sha256, outcome.code, outcome.reason
                )
                summary["failed"] += 1
                summary["errors"].append(
                    {"file": str(outcome.path), "code": outcome.code, "reason": outcome.reason}
                )
                err.print(  # one line whatever the width; file names may hold "[...]"
                    f"[red]failed[/red]: {escape(str(outcome.path))}: {escape(outcome.reason)} "
                    f"({outcome.code})",
                    highlight=False,
                    soft_wrap=True,
                )
            elapsed = max(time.perf_counter() - started, 1e-6)
            bar.update(task, advance=1, rate=f"{summary['pages'] / elapsed:.0f} pages/s")
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def _print_ingest(summary: dict[str, Any]) -> None:
    out.print(
        f"files: {summary['ok']} ok, {summary['skipped']} unchanged, {summary['failed']} failed; "
        f"{summary['pages']} pages, {summary['passages']} passages, "
        f"{summary['image_only_pages']} image-only pages in {summary['seconds']}s"
    )


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="PDF files or folders of PDFs.")],
    db: DbOption = Path("scr.db"),
    manifest: ManifestOption = None,
    jobs: JobsOption = 2,
    max_pages: Annotated[int, typer.Option(help="Refuse files with more pages.")] = 5000,
    time_budget: Annotated[float, typer.Option(help="Seconds allowed per file.")] = 120.0,
    as_json: JsonOption = False,
) -> None:
    """Read review PDFs into passages with provenance (unchanged files are skipped)."""
    summary = do_ingest(paths, db, manifest, jobs, max_pages, time_budget)
    emit(summary, as_json, _print_ingest)
    if summary["failed"]:
        raise typer.Exit(EXIT_SOME_FAILED)


# ---------------------------------------------------------------- classify
def do_classify_db(db_path: Path, accurate: bool = False) -> dict[str, Any]:
    """Label every passage not yet labelled by the current model (switching modes relabels:
    the accurate mode has its own model version)."""
    import time

    from scr_miner.classify.model import default_model
    from scr_miner.classify.themes import load_vocabulary
    from scr_miner.store.db import passages_to_classify, save_labels, seed_vocabulary, set_meta

    db = _open(db_path, must_exist=True)
    model = default_model(accurate=accurate)
    vocabulary = load_vocabulary()
    seed_vocabulary(db, vocabulary.themes, vocabulary.agencies)
    todo = db.execute(
        "select count(*) from passages where classified_with is null or classified_with != ?",
        [model.version],
    ).fetchone()[0]
    started, done = time.perf_counter(), 0
    with progress_bar("classify") as bar:
        task = bar.add_task("classify", total=todo, rate="")
        for batch in passages_to_classify(db, model.version):
            labels = model.label_texts([text for _, text in batch])
            save_labels(
                db, [(pid, lb) for (pid, _), lb in zip(batch, labels, strict=True)], model.version
            )
            done += len(batch)
            rate = done / max(time.perf_counter() - started, 1e-6)
            bar.update(task, advance=len(batch), rate=f"{rate:.0f} passages/s")
    set_meta(db, model_version=model.version, taxonomy_version=vocabulary.taxonomy_version)
    return {
        "classified": done,
        "model_version": model.version,
        "seconds": round(time.perf_counter() - started, 2),
    }


@app.command()
@handle_errors
def classify(
    db: Annotated[Path | None, typer.Option("--db", help="Label ingested passages.")] = None,
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="JSONL of {id, text}; '-' for stdin.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL output; '-' for stdout.")
    ] = None,
    accurate: AccurateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Label passages with themes, agencies and who failed to tell whom."""
    if db is None and input is None:
        raise typer.BadParameter("give --db DB or --input IN.jsonl")
    if input is not None:
        from scr_miner.classify.model import default_model
        from scr_miner.classify.stream import classify_stream

        if str(input) != "-" and not input.exists():
            raise error("E001", path=input)
        model = default_model(accurate=accurate)
        source = sys.stdin if str(input) == "-" else open(input, encoding="utf-8")  # noqa: SIM115
        sink = (
            sys.stdout
            if output is None or str(output) == "-"
            else open(  # noqa: SIM115
                output, "w", encoding="utf-8"
            )
        )
        try:
            count = classify_stream(model, source, sink, str(input))
        finally:
            if source is not sys.stdin:
                source.close()
            if sink is not sys.stdout:
                sink.close()
        err.print(f"classified {count} records")
        return
    summary = do_classify_db(db, accurate)
    emit(
        summary,
        as_json,
        lambda s: out.print(
            f"classified {s['classified']} passages with model {s['model_version']}"
            f" in {s['seconds']}s"
        ),
    )


# ---------------------------------------------------------------- publish / run / serve
def do_publish(
    db_path: Path, embeddings: str = "minilm", site: Path | None = None
) -> dict[str, Any]:
    """Build FTS, views, recommendations and embeddings; with ``site``, then write the served
    copy aside and swap it in whole (see ``scr_miner.publish.site.build_site``)."""
    if site is not None:
        _check_site(db_path, site)  # before the slow imports: a wrong --site fails at once

    import time

    from scr_miner.classify.embed import embedder_for
    from scr_miner.classify.model import default_model
    from scr_miner.publish.site import build_site, count_without_embeddings, publish

    started = time.perf_counter()
    db = _open(db_path, must_exist=True)
    info = default_model().info
    embedder = embedder_for(embeddings)
    # Count in SQL: loading every text here and again in publish() doubled the work.
    todo = count_without_embeddings(db, embedder.name) if embedder else 0
    with progress_bar("embed") as bar:
        task = bar.add_task("embed", total=todo, rate="")
        result: dict[str, Any] = publish(
            db, info, embeddings=embeddings, progress=lambda n: bar.update(task, advance=n)
        )
    if site is not None:
        result["site"] = str(site)
        result["site_replaced"] = build_site(db, site)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _check_site(db_path: Path, site: Path) -> None:
    """The served copy must be another file, in a folder that exists."""
    if site.resolve() == db_path.resolve():
        raise error("E050", site=site, db=db_path)
    if not site.parent.is_dir():
        raise error("E001", path=site.parent)
    if site.exists() and not _is_scr_miner_file(site):  # never clobber someone else's file
        raise error("E002", path=site, reason="refusing to replace it with the published site")


def _is_scr_miner_file(path: Path) -> bool:
    """Whether the SQLite header of ``path`` carries scr-miner's application id."""
    from scr_miner.store.schema import SCHEMA_APP_ID

    with open(path, "rb") as fh:
        head = fh.read(72)
    app_id = int.from_bytes(head[68:72], "big")
    return head[:16] == b"SQLite format 3\x00" and app_id == SCHEMA_APP_ID


def _print_publish(r: dict[str, Any]) -> None:
    out.print(
        f"published: {r['embedded']} passages embedded, {r['recommendations']} recommendations"
    )
    if "site" in r:
        out.print(f"site: {r['site']} " + ("replaced" if r["site_replaced"] else "unchanged"))


class Embeddings(StrEnum):
    """Which passage vectors ``publish`` computes (``classify.embed.EMBEDDINGS``, spelled out
    here so that ``--help`` does not import numpy and scipy)."""

    minilm = "minilm"
    static = "static"
    none = "none"


EmbeddingsOption = Annotated[
    Embeddings,
    typer.Option(help="Passage vectors for semantic search: minilm (full model, ~60 passages/s "
                 "on 2 cores), static (distilled table, thousands/s, for very large collections; "
                 "see docs/scale.md) or none."),
]
NoEmbeddingsOption = Annotated[
    bool, typer.Option("--no-embeddings", help="Same as --embeddings none.")
]

SiteOption = Annotated[
    Path | None,
    typer.Option("--site", help="Also write the served copy here, built aside and swapped in "
                 "whole (a running server never sees a half-built file)."),
]


@app.command("publish")
@handle_errors
def publish_command(
    db: DbOption = Path("scr.db"),
    embeddings: EmbeddingsOption = Embeddings.minilm,
    no_embeddings: NoEmbeddingsOption = False,
    site: SiteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Prepare the database for serving: full-text index, embeddings, views."""
    choice = "none" if no_embeddings else embeddings.value
    emit(do_publish(db, choice, site), as_json, _print_publish)


@app.command()
@handle_errors
def run(
    paths: Annotated[list[Path], typer.Argument(help="PDF files or folders of PDFs.")],
    db: DbOption = Path("scr.db"),
    manifest: ManifestOption = None,
    jobs: JobsOption = 2,
    embeddings: EmbeddingsOption = Embeddings.minilm,
    no_embeddings: NoEmbeddingsOption = False,
    site: SiteOption = None,
    accurate: AccurateOption = False,
    as_json: JsonOption = False,
) -> None:
    """The main job: ingest, classify and publish, resuming where a previous run stopped."""
    if site is not None:
        _check_site(db, site)  # before hours of work, not after
    summary = {"ingest": do_ingest(paths, db, manifest, jobs, 5000, 120.0)}
    summary["classify"] = do_classify_db(db, accurate)
    summary["publish"] = do_publish(db, "none" if no_embeddings else embeddings.value, site)

    def human(s: dict[str, Any]) -> None:
        _print_ingest(s["ingest"])
        out.print(
            f"classified {s['classify']['classified']} passages; "
            f"embedded {s['publish']['embedded']}"
        )
        if "site" in s["publish"]:
            out.print(f"site: {s['publish']['site']} "
                      + ("replaced" if s["publish"]["site_replaced"] else "unchanged"))

    emit(summary, as_json, human)
    if summary["ingest"]["failed"]:
        raise typer.Exit(EXIT_SOME_FAILED)


@app.command()
@handle_errors
def serve(
    db: DbOption = Path("scr.db"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    private: Annotated[bool, typer.Option(help="Serve drafts to logged-in users only.")] = False,
    metadata: Annotated[Path, typer.Option(help="Datasette metadata file.")] = Path("metadata.yml"),
) -> None:
    """Serve the database with Datasette (read-only, with the scr-miner plugin)."""
    from scr_miner.publish.serve import datasette_command
    from scr_miner.store.db import check_db

    check_db(db)  # read-only: the served file must not change
    command = datasette_command(db, port=port, host=host, private=private, metadata=metadata)
    err.print(f"serving {db} at http://{host}:{port}/  (Ctrl+C to stop)")
    os.execvp(command[0], command)


# ---------------------------------------------------------------- search / export / report
@app.command()
@handle_errors
def search(
    query: Annotated[str, typer.Argument(help="A question or phrase.")],
    db: DbOption = Path("scr.db"),
    theme: Annotated[str | None, typer.Option(help="Only passages with this theme id.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only passages naming this agency id.")] = None,
    year: Annotated[
        str | None, typer.Option(help="A year or range, e.g. 2015 or 2015-2020.")
    ] = None,
    review_type: Annotated[
        str | None, typer.Option("--type", help="SCR, CSPR, SAR, DHR, PFD.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Passages to show, best first.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Hybrid search (full-text and semantic, fused) over published passages."""
    from dataclasses import asdict

    from scr_miner.classify.themes import check_agency_id, check_theme_id
    from scr_miner.export.search import Filters, hybrid

    year_from, year_to = _year_range(year)
    filters = Filters(
        theme=check_theme_id(theme) if theme else None,
        agency=check_agency_id(agency) if agency else None,
        year_from=year_from,
        year_to=year_to,
        review_type=review_type,
    )
    hits = hybrid(_open(db, must_exist=True), query, filters, limit)

    def human(rows: list[dict]) -> None:
        table = Table("#", "score", "review", "page", "para", "themes", "text", show_lines=True)
        for i, h in enumerate(rows, 1):
            table.add_row(
                str(i),
                f"{h['score']:.3f}",
                f"{h['title']} ({h['year']})",
                str(h["page"]),
                h["paragraph_number"] or "",
                ", ".join(h["themes"]),
                h["text"][:300],
            )
        out.print(table)

    emit([asdict(h) for h in hits], as_json, human)


def _year_range(year: str | None) -> tuple[int | None, int | None]:
    if not year:
        return None, None
    try:
        parts = [int(p) for p in year.split("-", 1)]
    except ValueError:
        raise typer.BadParameter(f"year must be YYYY or YYYY-YYYY, not {year!r}") from None
    return parts[0], parts[-1]


@app.command()
@handle_errors
def export(
    theme: Annotated[str, typer.Option(help="Theme id of the training pack.")],
    db: DbOption = Path("scr.db"),
    format: Annotated[str, typer.Option("--format", "-f", help="md, html, csv or jsonl.")] = "md",
    limit: Annotated[int, typer.Option(min=1, help="Excerpts in the pack.")] = 12,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
) -> None:
    """Write a training pack of cited excerpts for one theme."""
    from scr_miner.classify.themes import check_theme_id
    from scr_miner.export.packs import FORMATS, render_pack

    check_theme_id(theme)
    if format not in FORMATS:
        raise error("E021", fmt=format, known=", ".join(FORMATS))
    text = render_pack(_open(db, must_exist=True), theme, format, limit)
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
@handle_errors
def report(
    db: DbOption = Path("scr.db"),
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for figures and tables.")] = Path(
        "report"
    ),
    as_json: JsonOption = False,
) -> None:
    """Write the corpus report: figures (PNG), tables (CSV) and a Markdown summary."""
    from scr_miner.export.report import write_report

    files = write_report(_open(db, must_exist=True), out_dir)
    emit([str(f) for f in files], as_json, lambda fs: out.print("\n".join(fs)))


# ---------------------------------------------------------------- model
@app.command()
@handle_errors
def train(
    models: Annotated[Path | None, typer.Option(help="Model folder (default models/).")] = None,
    gold: Annotated[
        Path | None,
        typer.Option(help="Gold JSONL for the model card (default corpus/gold/passages.jsonl)."),
    ] = None,
    baselines: Annotated[bool, typer.Option(help="Score the baselines for the card.")] = True,
    transformer: Annotated[
        bool,
        typer.Option(
            help="Also fine-tune the accurate mode's transformer (65-95 minutes on 2 cores)."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the theme and pair models from models/training/*.jsonl (fixed seeds) and the card."""
    from scr_miner.classify.card import micro_macro, write_card
    from scr_miner.classify.themes import models_dir
    from scr_miner.classify.train import train as train_model

    directory = models or models_dir()
    info = train_model(directory, with_transformer=transformer, progress=err.print)
    gold = gold or directory.parent / "corpus" / "gold" / "passages.jsonl"
    if gold.exists():
        err.print(f"evaluating on {gold} for the model card ...")
        info["gold"] = micro_macro(write_card(directory, info, gold, baselines))

    def human(i: dict[str, Any]) -> None:
        out.print(f"trained model {i['model_version']} on {i['training_passages']} passages")
        for name, (micro, macro) in i.get("gold", {}).items():
            out.print(f"  {name:16s} micro-F1 {micro:.3f}  macro-F1 {macro:.3f}")

    emit(info, as_json, human)


@app.command()
@handle_errors
def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold JSONL: {text, themes, pairs}, optionally evidence: [{theme, sentence}]"
            " and agencies: [ids]."
        ),
    ],
    accurate: AccurateOption = False,
    as_json: JsonOption = False,
) -> None:
    """Score the theme model against a gold file: per-theme precision, recall and F1.

    Micro and macro F1 carry 95% bootstrap intervals. Where the file has them, it also reports
    how often the evidence sentence is one the annotators quoted, how well the agencies found
    and the directed agency pairs match theirs."""
    from scr_miner.classify.evaluate import (
        agency_agreement,
        binarise,
        evidence_agreement,
        pair_agreement,
        read_gold,
    )
    from scr_miner.classify.evaluate import evaluate as score
    from scr_miner.classify.model import default_model

    records = read_gold(gold)
    labels = default_model(accurate=accurate).label_texts([r["text"] for r in records])
    result = score(binarise([r["themes"] for r in records]), binarise([lb.themes for lb in labels]))
    if any(r.get("evidence") for r in records):
        result["evidence"] = evidence_agreement(records, labels)
    if agencies := agency_agreement(records, [lb.agencies for lb in labels]):
        result["agencies"] = agencies
    if any(r.get("pairs") for r in records):
        result["pairs"] = pair_agreement(records, [lb.pairs for lb in labels])

    def human(r: dict[str, Any]) -> None:
        table = Table("theme", "support", "precision", "recall", "F1", "95% CI")
        for theme, s in r["per_theme"].items():
            table.add_row(
                theme,
                str(s["support"]),
                f"{s['precision']:.3f}",
                f"{s['recall']:.3f}",
                f"{s['f1']:.3f}",
                f"{s['f1_95ci'][0]:.2f}–{s['f1_95ci'][1]:.2f}",
            )
        out.print(table)
        out.print(
            f"micro-F1 {r['micro_f1']:.3f} ({r['micro_f1_95ci'][0]:.3f}–"
            f"{r['micro_f1_95ci'][1]:.3f}); macro-F1 {r['macro_f1']:.3f} "
            f"({r['macro_f1_95ci'][0]:.3f}–{r['macro_f1_95ci'][1]:.3f}); "
            f"{r['passages']} passages"
        )
        if "evidence" in r:
            e = r["evidence"]
            out.print(
                f"evidence: for {e['checked']} correctly assigned themes, the sentence given is"
                f" one the annotators quoted in {e['accuracy']:.1%} ({e['accuracy_95ci'][0]:.1%}"
                f"–{e['accuracy_95ci'][1]:.1%})"
            )
        if "agencies" in r:
            a = r["agencies"]
            out.print(
                f"agencies named: precision {a['precision']:.3f}, recall {a['recall']:.3f},"
                f" micro-F1 {a['micro_f1']:.3f} ({a['micro_f1_95ci'][0]:.3f}–"
                f"{a['micro_f1_95ci'][1]:.3f}) over {a['passages']} labelled passages"
            )
        if "pairs" in r:
            p = r["pairs"]
            out.print(
                f"pairs (who failed to tell whom): precision {p['precision']:.3f}, recall"
                f" {p['recall']:.3f}, F1 {p['f1']:.3f} ({p['f1_95ci'][0]:.3f}–"
                f"{p['f1_95ci'][1]:.3f}) over {p['pairs']} pairs; F1 ignoring the theme"
                f" {p['f1_ignoring_theme']:.3f}"
            )

    emit(result, as_json, human)


# ---------------------------------------------------------------- info / doctor
@app.command()
@handle_errors
def info(db: DbOption = Path("scr.db"), as_json: JsonOption = False) -> None:
    """Counts of reviews, pages, passages and themes in a database."""
    from scr_miner.store.db import corpus_summary

    summary = corpus_summary(_open(db, must_exist=True))

    def human(s: dict[str, Any]) -> None:
        out.print(
            f"{s['reviews']} reviews, {s['pages']} pages ({s['image_only_pages']} image "
            f"only), {s['passages']} passages ({s['classified_passages']} classified), "
            f"{s['ingest_errors']} ingest errors"
        )
        out.print("by type: " + ", ".join(f"{k} {v}" for k, v in s["reviews_by_type"].items()))
        out.print("by theme: " + ", ".join(f"{k} {v}" for k, v in s["passages_by_theme"].items()))

    emit(summary, as_json, human)


@app.command()
@handle_errors
def doctor(as_json: JsonOption = False) -> None:
    """Check the installation: versions, offline models and checksums, SQLite extensions."""
    from scr_miner.doctor import run_checks

    checks = run_checks()

    def human(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            mark = "[green]ok[/green]" if row["ok"] else "[red]FAIL[/red]"
            out.print(f"{mark}  {row['check']}: {row['detail']}", highlight=False)

    emit(checks, as_json, human)
    if not all(row["ok"] for row in checks if row.get("required", True)):
        raise typer.Exit(EXIT_USAGE)


@app.callback(invoke_without_command=True)
def main_callback(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Mine Serious Case Reviews for lessons about information sharing between agencies."""
    if version:
        out.print(f"scr-miner {__version__}")
        raise typer.Exit()


def main() -> None:
    """Console-script entry point."""
    app()


# ---------------------------------------------------------------- drafts (publish/serve.py)
@app.command()
@handle_errors
def mark(
    review_ids: Annotated[list[str], typer.Argument(help="Review ids (see `scr-miner info`).")],
    db: DbOption = Path("scr.db"),
    draft: Annotated[bool, typer.Option(
        "--draft/--published", help="Hold back as a draft (logged-in users only), or publish.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Mark reviews as drafts (hidden from anonymous visitors of the site) or published."""
    from scr_miner.publish.serve import set_published

    marked = set_published(db, review_ids, published=not draft)
    state = "draft" if draft else "published"
    emit({"reviews": marked, "state": state}, as_json,
         lambda r: out.print(f"{len(r['reviews'])} review(s) marked {r['state']}"))
