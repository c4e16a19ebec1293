"""Shared fixtures: real files, a real database built by the real pipeline, no mocks."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
REAL_PDFS = SHARED / "real-pdfs"
REAL_TEXT = SHARED / "real-text"
SAMPLE_IDS = (  # a small, varied slice of the sample corpus for quick end-to-end tests
    "scr-2016-fenholt-child-j",  # has a scanned page
    "cspr-2024-penmarrow-baby-s",
    "pfd-2019-northmoor-kai-ellison",
)


def load_script(path: Path) -> ModuleType:
    """Import a script that is not in a package (benchmarks/, corpus/) as a module, once."""
    name = f"script_{path.stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT


@pytest.fixture(scope="session")
def real_pdfs() -> list[Path]:
    """The real coroners' reports in ../shared (never copied into the repo)."""
    pdfs = sorted(REAL_PDFS.glob("*.pdf"))
    assert pdfs, f"expected real PDFs in {REAL_PDFS}"
    return pdfs


@pytest.fixture(scope="session")
def sample_pdfs() -> list[Path]:
    """A few PDFs of the sample corpus."""
    return [CORPUS / "pdfs" / f"{i}.pdf" for i in SAMPLE_IDS]


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_pdfs: list[Path]) -> Path:
    """A database built from a few sample reviews by the real pipeline (ingest, classify,
    publish with embeddings). Tests must not modify it: copy it with ``db_copy`` first."""
    from typer.testing import CliRunner

    from scr_miner.cli import app

    path = tmp_path_factory.mktemp("sample") / "sample.db"
    result = CliRunner().invoke(
        app,
        [
            "run",
            *map(str, sample_pdfs),
            "--db",
            str(path),
            "--jobs",
            "1",
            "--manifest",
            str(CORPUS / "manifest.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture()
def db_copy(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample database that a test may change."""
    target = tmp_path / "copy.db"
    shutil.copy(sample_db, target)
    return target
