"""Does the model read findings written the way published reports write them?

The training reviews tell a failure as a story ("the police did not tell the school"); real
reports also name it with a noun or an adjective ("a failure to notify", "liaison was
inadequate", "limited information reached the midwife"). ``register_probes.jsonl`` holds 36
one-sentence findings in that register, written for this check by hand and never trained on
(the writers of the training passages did not see them): 24 that each carry one expected
theme, 4 of good practice and 8 with no theme (words such as "understand", "consent" or
"information" that are not about a failure to share). A probe passes when its theme is
assigned (good practice: effective-sharing and not not-shared; no theme: none assigned).

Prints the passes of the shipped fast model and, with ``--accurate``, of the accurate mode, and
the probes each misses. ``tests/classify/test_model.py`` holds the fast model's count as a
floor.

Usage: python benchmarks/register_probes.py [--models DIR] [--accurate]   (seconds)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBES = Path(__file__).with_name("register_probes.jsonl")


def read_probes(path: Path = PROBES) -> list[dict]:
    """The probes: ``{"text", "expect"}``, where expect is a theme id or "none"."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def passes(expect: str, themes: list[str]) -> bool:
    """Whether themes assigned to a probe are what it expects."""
    if expect == "none":
        return not themes
    if expect == "effective-sharing" and "not-shared" in themes:
        return False
    return expect in themes


def missed(model, probes: list[dict]) -> list[tuple[dict, list[str]]]:  # noqa: ANN001
    """The probes a model gets wrong, each with the themes it assigned."""
    labels = model.label_records([p["text"] for p in probes])
    return [(p, lab.themes) for p, lab in zip(probes, labels, strict=True)
            if not passes(p["expect"], lab.themes)]


def main() -> None:
    """Print each mode's passes and misses."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--accurate", action="store_true", help="score the accurate mode too")
    args = parser.parse_args()
    from scr_miner.classify.model import load_model

    probes = read_probes()
    for accurate in (False, True) if args.accurate else (False,):
        wrong = missed(load_model(args.models, accurate), probes)
        print(f"{'accurate' if accurate else 'fast'} model: {len(probes) - len(wrong)} of"
              f" {len(probes)} probes pass")
        for probe, themes in wrong:
            print(f"  expected {probe['expect']}, got {themes or 'no theme'}: {probe['text']}")


if __name__ == "__main__":
    main()
