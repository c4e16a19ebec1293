"""``classify --input/--output``: the JSONL contract, streaming, and line-numbered errors."""

import json
from pathlib import Path

from typer.testing import CliRunner

from scr_miner.classify.themes import THEME_IDS
from scr_miner.cli import app

runner = CliRunner()


def test_jsonl_contract(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    records = [
        {"id": "a", "text": "The GP was not invited to the strategy meeting."},
        {"id": "b", "text": ""},
        {
            "id": "c",
            "text": "Nothing here but \u0000 control \u0007 characters and emoji \U0001f600.",
        },
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    for line in lines:
        assert set(line) == {"id", "themes", "scores", "agencies", "pairs", "evidence"}
        assert set(line["scores"]) == set(THEME_IDS)
    assert "meeting-gap" in lines[0]["themes"]
    assert lines[1]["themes"] == []


def test_malformed_line_reports_its_number(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "text": "fine"}\n\n{"id": 2, "text": \n')
    result = runner.invoke(
        app, ["classify", "--input", str(source), "--output", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 2
    assert "line 3" in result.output and "Traceback" not in result.output


def test_missing_text_field_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "body": "x"}\n')
    result = runner.invoke(app, ["classify", "-i", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "line 1" in result.output


def test_stream_writes_before_reading_everything() -> None:
    """Constant memory: output starts after one batch is read, not after the whole input."""
    import io

    from scr_miner.classify.model import default_model
    from scr_miner.classify.stream import BATCH, classify_stream

    consumed = {"lines": 0, "at_first_write": None}

    def source():  # noqa: ANN202
        for i in range(BATCH * 4):
            consumed["lines"] += 1
            yield json.dumps({"id": str(i), "text": "The GP was not told."}) + "\n"

    class Sink(io.StringIO):
        def write(self, text: str) -> int:
            if consumed["at_first_write"] is None:
                consumed["at_first_write"] = consumed["lines"]
            return super().write(text)

    sink = Sink()
    written = classify_stream(default_model(), source(), sink)  # type: ignore[arg-type]
    assert written == BATCH * 4
    assert consumed["at_first_write"] <= BATCH + 1
