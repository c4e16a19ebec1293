"""``scr-miner doctor``: is this installation able to do its job, offline?"""

from __future__ import annotations

import sqlite3
from importlib import metadata
from typing import Any

from scr_miner import __version__
from scr_miner.errors import ScrMinerError

PACKAGES = (
    "torch",
    "sentence-transformers",
    "spacy",
    "spacy-lookups-data",
    "scikit-learn",
    "pdfplumber",
    "pypdfium2",
    "sqlite-utils",
    "datasette",
    "typer",
)


def _check(name: str, func: Any, required: bool = True) -> dict[str, Any]:
    try:
        detail = func()
        return {"check": name, "ok": True, "detail": detail, "required": required}
    except ScrMinerError as exc:
        return {"check": name, "ok": False, "detail": str(exc), "required": required}
    except Exception as exc:  # noqa: BLE001 - doctor reports, it does not crash
        return {
            "check": name,
            "ok": False,
            "detail": f"{exc.__class__.__name__}: {exc}",
            "required": required,
        }


def _versions() -> str:
    found = []
    for package in PACKAGES:
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package} MISSING")
    if any("MISSING" in f for f in found):
        raise RuntimeError(", ".join(found))
    return f"scr-miner {__version__}; " + ", ".join(found)


def _minilm() -> str:
    from scr_miner.classify.embed import MINILM_SAFETENSORS_SHA256, verified_minilm_path

    return f"{verified_minilm_path()} sha256 {MINILM_SAFETENSORS_SHA256[:12]}… verified"


def _theme_model() -> str:
    from scr_miner.classify.model import load_model

    model = load_model()
    return f"model {model.version}, taxonomy v{model.info['taxonomy_version']}, manifest verified"


def _spacy() -> str:
    from scr_miner.classify.nlp import make_nlp

    nlp = make_nlp()
    return "pipeline: " + ", ".join(nlp.pipe_names)


def _sqlite_extensions() -> str:
    from scr_miner.store.vec import extension_sqlite

    module = extension_sqlite()
    if module is None:
        raise RuntimeError(
            f"python sqlite3 {sqlite3.sqlite_version} cannot load extensions and pysqlite3 is "
            "missing; semantic search uses the numpy path"
        )
    return f"{module.__name__} {module.sqlite_version} can load extensions (sqlite-vec)"


def run_checks() -> list[dict[str, Any]]:
    """All checks, each a dict with check, ok, detail, required."""
    return [
        _check("packages", _versions),
        _check("embedding weights", _minilm),
        _check("theme model", _theme_model),
        _check("spaCy pipeline", _spacy),
        _check("sqlite extensions", _sqlite_extensions, required=False),
    ]
