"""The command line: every command has --help and is documented; wrong usage is one clear line."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scr_miner import __version__
from scr_miner.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def command_names() -> list[str]:
    """Names of every registered command."""
    return sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_every_command_has_help() -> None:
    for name in command_names():
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage" in result.output


def test_every_option_says_what_it_does() -> None:
    from typer.main import get_command

    silent = [
        f"{name} {param.name}"
        for name, command in get_command(app).commands.items()
        for param in command.params
        if param.param_type_name == "option" and not getattr(param, "help", None)
    ]
    assert not silent, f"options without help: {silent}"


def test_every_command_summary_is_one_line() -> None:
    """The command list shows each docstring's first paragraph with its line breaks, so a
    summary wrapped in the source comes out broken mid-sentence in ``scr-miner --help``."""
    wrapped = [
        c.callback.__name__ for c in app.registered_commands
        if "\n" in (c.callback.__doc__ or "").strip().split("\n\n")[0]
    ]
    assert not wrapped, f"summaries wrapped over several lines: {wrapped}"


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [n for n in command_names() if not re.search(rf"scr-miner {n}\b", readme)]
    assert not missing, f"README lacks: {missing}"


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scr_miner", "--version"], capture_output=True, text=True, check=True
    )
    assert __version__ in result.stdout


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["info", "--db", "/nonexistent/scr.db"], "File not found"),
        (["ingest", "/nonexistent/review.pdf", "--db", "{tmp}/x.db"], "File not found"),
        (["evaluate", "/nonexistent/gold.jsonl"], "File not found"),
        (["export", "--theme", "no-such-theme", "--db", "{tmp}/x.db"], "Unknown theme id"),
        (["search", "x", "--agency", "no-such-agency", "--db", "{tmp}/x.db"], "Unknown agency id"),
        (["info", "--db", "{tmp}/not-a-db.db"], "Not a scr-miner database"),
    ],
)
def test_wrong_usage_is_one_clear_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    (tmp_path / "not-a-db.db").write_bytes(b"this is not sqlite " * 100)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 2


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table customers (id integer)")
    result = runner.invoke(app, ["info", "--db", str(path)])
    assert result.exit_code == 2 and "not created by scr-miner" in result.output


def test_doctor_reports_models_verified() -> None:
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
