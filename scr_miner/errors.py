"""Errors with codes and one-line messages, in the manner of spaCy's ``Errors``.

Every error a user can cause (bad file, bad config, bad model) is a ``ScrMinerError``; the CLI
prints ``error[E###]: message`` on one line and exits non-zero, never with a traceback.
"""

from __future__ import annotations


class ScrMinerError(Exception):
    """An error the user can act on, with a stable code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class Errors:
    """Message templates. Codes never change meaning once released."""

    E001 = "File not found: {path}"
    E002 = "Not a scr-miner database (or it is damaged): {path}: {reason}"
    E003 = (
        "Database {path} has schema version {found}, newer than this scr-miner supports "
        "({supported})"
    )
    E004 = "Unknown theme id {theme!r}; known ids: {known}"
    E005 = "Unknown agency id {agency!r}; known ids: {known}"
    E010 = "Model file {path} failed its checksum: expected {expected}, found {found}"
    E011 = "Model file {path} is missing; run `scr-miner train` or reinstall"
    E012 = "Model manifest {path} is unreadable: {reason}"
    E013 = "Embedding weights {path} failed their checksum: expected {expected}, found {found}"
    E014 = "Config file {path} is invalid: {reason}"
    E015 = "Unknown embedding model {name!r}; known: {known}"
    E020 = "{path}: line {line}: {reason}"
    E021 = "Unknown export format {fmt!r}; choose one of {known}"
    E030 = "Gold file {path} is invalid at line {line}: {reason}"
    E040 = "No review with id {review!r} in the database (see `scr-miner info`)"
    E050 = "--site {site} must be another file than --db {db} (the served copy is swapped whole)"
    E051 = (
        "SQLite error: {reason}; if the database is damaged, rebuild it from the PDFs "
        "(`scr-miner run`) or check it with `sqlite3 FILE 'pragma integrity_check'`"
    )


def error(code: str, **values: object) -> ScrMinerError:
    """Build a ``ScrMinerError`` from the template for ``code``."""
    template: str = getattr(Errors, code)
    return ScrMinerError(code, template.format(**values))
