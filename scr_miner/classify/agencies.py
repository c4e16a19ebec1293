"""Agencies mentioned in a passage, and directed pairs: who failed to tell (or told) whom."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Span

from scr_miner.classify.nlp import NEGATORS
from scr_miner.records import Pair

TELL_VERBS = {
    "tell",
    "inform",
    "notify",
    "share",
    "pass",
    "send",
    "alert",
    "copy",
    "update",
    "advise",
    "refer",
    "forward",
    "disclose",
    "communicate",
    "relay",
    "report",
    "invite",
    "feed",
    "aware",
    "know",
    "unaware",
    "contact",
    "told",
}
FLOW_THEMES = (
    "not-shared",
    "transfer-gap",
    "no-feedback",
    "meeting-gap",
    "misunderstood",
    "consent-confidentiality",
    "systems-access",
    "not-acted-on",
)


def agencies_in(doc: Doc) -> list[str]:
    """Agency ids mentioned in ``doc``, in order of first mention."""
    seen: dict[str, None] = {}
    for span in doc.spans["agencies"]:
        seen.setdefault(span.label_, None)
    return list(seen)


def _pair_in_sentence(sent: Span, agencies: list[Span]) -> tuple[str, str] | None:
    """Find (from, to) in one sentence that uses a telling verb, or None."""
    verbs = [t for t in sent if t.lemma_.lower() in TELL_VERBS]
    if not verbs or len(agencies) < 2:
        return None
    verb = verbs[0]
    before = [a for a in agencies if a.end <= verb.i]
    after = [a for a in agencies if a.start > verb.i]
    by_index = next((t.i for t in sent if t.lower_ == "by" and t.i > verb.i), None)
    lemma = verb.lemma_.lower()
    if by_index is not None:  # passive: "X was not told by Y" -> Y to X
        agent = [a for a in after if a.start > by_index]
        if agent and before:
            return agent[0].label_, before[-1].label_
    if lemma in {"aware", "unaware", "know"} and before and after:
        return after[0].label_, before[-1].label_  # "X was unaware that Y ..." -> Y to X
    passive = any(
        t.lemma_ == "be" for t in sent[max(0, verb.i - sent.start - 3) : verb.i - sent.start]
    )
    if passive and before and len(before) >= 1 and after:
        return after[0].label_, before[-1].label_
    if before and after:
        return before[-1].label_, after[0].label_
    return None


def pairs_in(doc: Doc, themes: list[str]) -> list[Pair]:
    """Directed agency pairs for the passage's assigned themes.

    A negated sentence with a telling verb gives a failure pair under the passage's first flow
    theme; a sentence without negation gives an ``effective-sharing`` pair when that theme was
    assigned.
    """
    failure = next((t for t in FLOW_THEMES if t in themes), None)
    pairs: list[Pair] = []
    spans = sorted(doc.spans["agencies"], key=lambda a: a.start)
    starts = [a.start for a in spans]
    for sent in doc.sents:
        # Bisect rather than scan every span per sentence: a megabyte passage has thousands of
        # both, and the scan would be quadratic.
        first = bisect.bisect_left(starts, sent.start)
        last = bisect.bisect_left(starts, sent.end)
        agencies = [a for a in spans[first:last] if a.end <= sent.end]
        found = _pair_in_sentence(sent, agencies)
        if not found or found[0] == found[1]:
            continue
        negated = any(t.lemma_.lower() in NEGATORS for t in sent)
        theme = (
            failure if negated else ("effective-sharing" if "effective-sharing" in themes else None)
        )
        if theme:
            pair = Pair(found[0], found[1], theme)
            if pair not in pairs:
                pairs.append(pair)
    return pairs
