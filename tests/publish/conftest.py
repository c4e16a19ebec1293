"""Fixtures for the published site: Datasette's own test client over real databases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from datasette.app import Datasette

DRAFT = "cspr-2024-penmarrow-baby-s"  # the review the draft tests hold back


@pytest.fixture(scope="session")
def metadata(root: Path) -> dict:
    """metadata.yml as Datasette reads it."""
    return yaml.safe_load((root / "metadata.yml").read_text(encoding="utf-8"))


def make_datasette(db: Path, metadata: dict) -> Datasette:
    """A Datasette serving ``db`` immutable with our metadata, its startup hooks run."""
    ds = Datasette([], immutables=[str(db)], metadata=metadata)
    asyncio.run(ds.invoke_startup())
    return ds


def fetch(ds: Datasette, url: str, actor: dict | None = None) -> Any:
    """GET ``url`` from ``ds`` as ``actor`` (anonymous by default)."""
    cookies = {"ds_actor": ds.sign({"a": actor}, "actor")} if actor else {}
    return asyncio.run(ds.client.get(url, cookies=cookies))


@pytest.fixture(scope="session")
def site(sample_db: Path, metadata: dict) -> Datasette:
    """The sample database served as Datasette would serve it (all reviews published)."""
    return make_datasette(sample_db, metadata)


@pytest.fixture(scope="session")
def get(site: Datasette) -> Callable[..., Any]:
    """GET from the sample site."""
    return lambda url, actor=None: fetch(site, url, actor)


@pytest.fixture(scope="session")
def dbname(sample_db: Path) -> str:
    """The sample database's name in URLs."""
    return sample_db.stem
