"""themes.yml must carry exactly the taxonomy contract's ids, with definitions and cues."""

from pathlib import Path

import pytest

from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS, load_vocabulary
from scr_miner.errors import ScrMinerError

TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "taxonomy.md"


def test_contract_ids_match_shared_taxonomy() -> None:
    text = TAXONOMY.read_text(encoding="utf-8")
    for theme in THEME_IDS:
        assert f"| `{theme}` |" in text
    for agency in AGENCY_IDS:
        assert f"`{agency}`" in text


def test_themes_yml_covers_every_theme_with_definition_and_cues() -> None:
    vocabulary = load_vocabulary()
    assert [t["id"] for t in vocabulary.themes] == list(THEME_IDS)
    for theme in vocabulary.themes:
        assert theme["definition"] and theme["cues"] and theme["examples"] and theme["group"]
    assert vocabulary.taxonomy_version == "1"


def test_themes_yml_missing_a_theme_is_refused(tmp_path: Path) -> None:
    source = load_vocabulary.__wrapped__()  # type: ignore[attr-defined]
    assert source.themes
    broken = tmp_path / "themes.yml"
    text = (Path(__file__).resolve().parents[2] / "models" / "themes.yml").read_text()
    broken.write_text(text.replace("id: escalation-gap", "id: escalation-gaps"))
    with pytest.raises(ScrMinerError) as info:
        load_vocabulary(broken)
    assert info.value.code == "E014"


def test_unparseable_themes_yml_is_one_readable_error(tmp_path: Path) -> None:
    broken = tmp_path / "themes.yml"
    broken.write_text("themes: [unclosed\n")
    with pytest.raises(ScrMinerError) as info:
        load_vocabulary(broken)
    assert info.value.code == "E014" and str(broken) in info.value.message


def test_an_invalid_agency_token_pattern_is_one_readable_error(tmp_path: Path) -> None:
    broken = tmp_path / "themes.yml"
    text = (Path(__file__).resolve().parents[2] / "models" / "themes.yml").read_text()
    assert "{ORTH: Homes}" in text
    broken.write_text(text.replace("{ORTH: Homes}", "{ORTHO: Homes}"))
    with pytest.raises(ScrMinerError) as info:
        load_vocabulary(broken)
    message = info.value.message
    assert info.value.code == "E014" and str(broken) in message and "housing" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "pattern",
    ['[{LOWER: of, OP: "!"}]', '[{LOWER: the}, {LOWER: of, OP: "!"}, {LOWER: practice}]'],
)
def test_a_pattern_of_context_words_only_or_with_them_inside_is_refused(
    tmp_path: Path, pattern: str
) -> None:
    broken = tmp_path / "themes.yml"
    text = (Path(__file__).resolve().parents[2] / "models" / "themes.yml").read_text()
    housing = '[[{IS_TITLE: true, OP: "{0,2}"}'
    assert housing in text
    broken.write_text(text.replace(housing, f"[{pattern}, " + housing[1:]))
    with pytest.raises(ScrMinerError) as info:
        load_vocabulary(broken)
    assert info.value.code == "E014" and "'!' words" in info.value.message


@pytest.mark.parametrize(
    "settings",
    ["{when: [psychiatric]}", "[{when: [], names: [ward]}]", "[{when: [x], names: [1]}]", "[ward]"],
)
def test_an_invalid_agency_setting_is_one_readable_error(tmp_path: Path, settings: str) -> None:
    broken = tmp_path / "themes.yml"
    text = (Path(__file__).resolve().parents[2] / "models" / "themes.yml").read_text()
    shipped = "settings: [{when: [psychiatric,"
    assert shipped in text
    start = text.index(shipped)
    end = text.index("}]", start) + 2
    broken.write_text(text[:start] + f"settings: {settings}" + text[end:])
    with pytest.raises(ScrMinerError) as info:
        load_vocabulary(broken)
    message = info.value.message
    assert info.value.code == "E014" and "adult-mental-health" in message and "setting" in message
