"""Property-based tests: any text, however odd, gets a well-formed label and never an exception."""

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scr_miner.classify.model import default_model
from scr_miner.classify.stream import classify_stream
from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_any_unicode_gets_a_well_formed_label(texts: list[str]) -> None:
    labels = default_model().label_records(texts)
    assert len(labels) == len(texts)
    for text, label in zip(texts, labels, strict=True):
        assert set(label.scores) == set(THEME_IDS)
        assert all(0.0 <= s <= 1.0 for s in label.scores.values())
        assert set(label.themes) <= set(THEME_IDS)
        assert set(label.agencies) <= set(AGENCY_IDS)
        for evidence in label.evidence:
            assert evidence.theme in label.themes
            assert evidence.sentence in text


def test_megabyte_line_and_empty_text_stream_through() -> None:
    big = "The GP was not told that the family had moved. " * 22_000  # about a megabyte
    source = io.StringIO(json.dumps({"id": "big", "text": big}) + "\n"
                         + json.dumps({"id": "empty", "text": ""}) + "\n")
    sink = io.StringIO()
    assert classify_stream(default_model(), source, sink) == 2
    rows = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert rows[0]["id"] == "big" and "not-shared" in rows[0]["themes"]
    assert rows[1]["themes"] == []
