"""``classify --input IN.jsonl --output OUT.jsonl``: streaming, constant memory, clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from scr_miner.classify.model import ThemeModel, batched
from scr_miner.errors import error

BATCH = 256


def read_records(handle: IO[str], name: str) -> Iterator[tuple[str, str]]:
    """Yield ``(id, text)`` from JSON lines; a malformed line raises E020 with its number."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(
                "E020", path=name, line=number, reason=f"not valid JSON ({exc.msg})"
            ) from None
        if not isinstance(record, dict) or "text" not in record:
            raise error("E020", path=name, line=number, reason='expected an object with "text"')
        text = record["text"]
        if not isinstance(text, str):
            raise error("E020", path=name, line=number, reason='"text" must be a string')
        yield str(record.get("id", number)), text


def classify_stream(model: ThemeModel, source: IO[str], sink: IO[str], name: str = "-") -> int:
    """Classify every record of ``source`` into ``sink``; return the number written."""
    written = 0
    for batch in batched(read_records(source, name), BATCH):
        labels = model.label_records([text for _, text in batch])
        for (record_id, _), label in zip(batch, labels, strict=True):
            sink.write(json.dumps({"id": record_id, **label.to_dict()}, ensure_ascii=False) + "\n")
            written += 1
    return written
