"""The spaCy pipeline: blank English, sentencizer, lookup lemmatizer, and two components of ours.

- ``scr_cues`` finds each theme's cue phrases by lemma and notes whether the sentence is negated.
- ``scr_agencies`` finds agencies by their names and abbreviations (a PhraseMatcher gazetteer),
  and by token patterns for names a list cannot hold ("Castle Yard Surgery", "the practice").
  An agency's ``settings`` read words that name it only in context: in a passage that mentions a
  psychiatric setting, "the ward" and "the hospital" are mental health care.

Both are registered by name with a default config, so ``nlp.add_pipe("scr_cues")`` works.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from scr_miner.classify.themes import Vocabulary, load_vocabulary

NEGATORS = {
    "not",
    "no",
    "never",
    "nobody",
    "none",
    "neither",
    "nor",
    "without",
    "fail",
    "unaware",
    "lack",
    "absent",
    "nothing",
    "unable",
    "omit",
    "miss",
    "neglect",
    "nowhere",
    "noone",
}
# Words that make a sentence prescribe practice ("the MASH should ensure schools are told"):
# reviews label a recommendation with the failure it answers.
PRESCRIBERS = {"should", "must", "ought", "recommend", "recommendation"}
Doc.set_extension("cue_hits", default=None, force=True)
Span.set_extension(
    "negated", getter=lambda s: any(t.lemma_.lower() in NEGATORS for t in s), force=True
)
Span.set_extension(
    "prescriptive",
    getter=lambda s: any(t.lemma_.lower() in PRESCRIBERS for t in s),
    force=True,
)


@lru_cache(maxsize=1)
def _lemmatizer_only() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def lemmatise(text: str) -> list[str]:
    """Lower-cased lemmas of ``text`` as the pipeline sees them (for building patterns)."""
    return [t.lemma_.lower() for t in _lemmatizer_only()(text)]


def sentence_texts(doc: Doc) -> list[str]:
    """The passage's sentences as the sentencizer split them, stripped, empty ones dropped."""
    return [s.text.strip() for s in doc.sents if s.text.strip()]


class CueMatcher:
    """Finds theme cue phrases by lemma and records (theme, sentence index, negated)."""

    def __init__(self, nlp: Language, vocabulary: Vocabulary) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        for theme in vocabulary.themes:
            patterns = [nlp.make_doc(" ".join(lemmatise(cue))) for cue in theme["cues"]]
            self.matcher.add(theme["id"], patterns)

    def __call__(self, doc: Doc) -> Doc:
        # Match on lemmas: copy each token's lemma into NORM, which PhraseMatcher can use.
        for token in doc:
            token.norm_ = token.lemma_.lower()
        sent_starts = [s.start for s in doc.sents]
        negated = [s._.negated for s in doc.sents]
        hits = []
        for match_id, start, _end in self.matcher(doc):
            index = bisect.bisect_right(sent_starts, start) - 1
            hits.append((doc.vocab.strings[match_id], index, negated[index]))
        doc._.cue_hits = hits
        return doc


# Names ending in one of these nouns are also matched in the plural ("home treatment teams",
# "family nurses"). Only countable heads: a rule for every name would also match "polices" (a
# verb) or "eds" (editors), and mass nouns ("early help", "housing") have no plural in use.
PLURAL_HEADS = frozenset({
    "team", "service", "worker", "officer", "visitor", "nurse", "practitioner", "unit", "agency",
    "provider", "manager", "adviser", "advisor", "coordinator", "co-ordinator", "clinician",
    "doctor", "teacher", "hospital", "psychiatrist", "paramedic", "centre", "trust", "refuge",
    "charity", "advocate", "lead", "assistant", "surgery", "practice", "school", "nursery",
    "college", "academy", "home", "organisation", "group", "ward", "department", "clinic",
    "consultant", "paediatrician", "headteacher", "detective", "crew", "hub", "partnership",
    "company", "association", "landlord", "church", "professional",
    # Abbreviations of a countable noun take a plain "-s": "two DSLs", "the CPNs".
    "dsl", "senco", "cpn", "amhp", "hv",
})


def plural(name: str) -> str | None:
    """``name`` with its last word in the plural, if that word is a countable head noun."""
    head = name.rsplit(" ", 1)[-1]
    if head not in PLURAL_HEADS:
        return None
    # Every head is regular: "-y" after a consonant becomes "-ies" (agency, charity), a sibilant
    # takes "-es" (church), the rest take "-s".
    if head.endswith("y"):
        return name[:-1] + "ies"
    return name + "es" if head.endswith(("s", "x", "ch", "sh")) else name + "s"


# A token pattern may start with the article that makes a word a name ("the practice", unlike
# "good practice"; the span leaves the article out), and begin or end with words that must not
# stand next to the name ({"LOWER": "of", "OP": "!"}: not "the practice of"). spaCy's "!"
# takes up a token, so such a pattern could not match at the edge of a passage; a second form
# without those words is accepted there only. Spans keep only the name, so roles read the words
# around it as they do for a listed name.
LEADING_WORDS = frozenset({"the", "its", "their", "his", "her"})


@dataclass(frozen=True)
class PatternForm:
    """How to read one registered form of a token pattern's matches."""

    agency: str
    before: int  # context words matched before the name, left out of the span
    after: int  # context words matched after it
    at_start: bool  # the form without its leading context: valid only at the passage's start
    at_end: bool  # the form without its trailing context: valid only at the passage's end


def with_typographic_apostrophes(phrases: set[str] | list[str]) -> set[str]:
    """``phrases`` and their spellings with "’": reviews print "children’s services" with a
    typographic apostrophe as often as with a straight one, and the tokenizer keeps them apart."""
    return set(phrases) | {p.replace("'", "’") for p in phrases}


def context_words(pattern: list[dict]) -> tuple[int, int]:
    """How many "!" (must-not-be-there) words a pattern has at its start and at its end."""
    before = sum(1 for _ in takewhile(lambda t: t.get("OP") == "!", pattern))
    after = sum(1 for _ in takewhile(lambda t: t.get("OP") == "!", pattern[::-1]))
    return before, after


class AgencyMatcher:
    """Finds agency mentions; puts them in ``doc.spans['agencies']`` labelled by agency id."""

    def __init__(self, nlp: Language, vocabulary: Vocabulary) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.forms: dict[int, PatternForm] = {}
        # A setting's cues and names share a key, so a name counts where its own cue matched.
        self.setting_cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.setting_names = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.setting_agency: dict[int, str] = {}
        for agency in vocabulary.agencies:
            names = with_typographic_apostrophes(set(agency["names"]) | {agency["label"].lower()})
            # Matching is on the written form, so plurals are added (see PLURAL_HEADS).
            names |= {form for n in names if (form := plural(n))}
            self.matcher.add(agency["id"], [nlp.make_doc(n) for n in names])
            for number, pattern in enumerate(agency.get("patterns") or []):
                self._add_pattern(nlp, f"{agency['id']}/{number}", agency["id"], pattern)
            for number, setting in enumerate(agency.get("settings") or []):
                key = f"{agency['id']}/setting/{number}"
                for matcher, phrases in (
                    (self.setting_cues, setting["when"]),
                    (self.setting_names, setting["names"]),
                ):
                    spellings = with_typographic_apostrophes(phrases)
                    matcher.add(key, [nlp.make_doc(p) for p in spellings])
                self.setting_agency[nlp.vocab.strings[key]] = agency["id"]

    def _add_pattern(self, nlp: Language, key: str, agency: str, pattern: list[dict]) -> None:
        # load_vocabulary has checked the pattern, so spaCy accepts every form of it.
        before, after = context_words(pattern)
        for at_start in (False, True) if before else (False,):
            for at_end in (False, True) if after else (False,):
                form = pattern[before if at_start else 0 : len(pattern) - after if at_end else None]
                name = f"{key}/{int(at_start)}{int(at_end)}"
                self.patterns.add(name, [form])
                self.forms[nlp.vocab.strings[name]] = PatternForm(
                    agency, 0 if at_start else before, 0 if at_end else after, at_start, at_end
                )

    def __call__(self, doc: Doc) -> Doc:
        named = [
            Span(doc, start, end, label=match_id) for match_id, start, end in self.matcher(doc)
        ]
        taken = {i for span in named for i in range(span.start, span.end)}
        found = []
        # An empty Matcher warns on every call; themes.yml may define no patterns at all.
        for key, start, end in self.patterns(doc) if len(self.patterns) else ():
            form = self.forms[key]
            if (form.at_start and start != 0) or (form.at_end and end != len(doc)):
                continue
            start, end = start + form.before, end - form.after
            while start < end - 1 and doc[start].lower_ in LEADING_WORDS:
                start += 1
            # A listed name wins over a pattern it overlaps ("Riverside Care Homes" is a care
            # home, not a housing association called "... Homes").
            if not taken & set(range(start, end)):
                found.append(Span(doc, start, end, label=form.agency))
        doc.spans["agencies"] = filter_spans(in_setting(self._in_settings(doc), named + found))
        return doc

    def _in_settings(self, doc: Doc) -> list[Span]:
        """Spans of the names that count only in a setting ``doc`` mentions."""
        if not self.setting_agency:
            return []
        active = {key for key, _, _ in self.setting_cues(doc)}
        if not active:  # most passages: no need to look for the settings' names
            return []
        return [
            Span(doc, start, end, label=self.setting_agency[key])
            for key, start, end in self.setting_names(doc)
            if key in active
        ]


def in_setting(setting: list[Span], others: list[Span]) -> list[Span]:
    """``others`` with the words a setting reads taken over by it: a setting's name wins over
    a span it overlaps unless that span is longer ("the paediatric ward" stays a hospital)."""
    if not setting:
        return others
    kept = [
        span
        for span in setting
        if not any(o.start < span.end and span.start < o.end and len(o) > len(span) for o in others)
    ]
    covered = {i for span in kept for i in range(span.start, span.end)}
    return kept + [o for o in others if not covered & set(range(o.start, o.end))]


@Language.factory("scr_cues", default_config={"themes_path": None})
def make_cue_matcher(nlp: Language, name: str, themes_path: str | None) -> CueMatcher:
    """Factory for the ``scr_cues`` component."""
    return CueMatcher(nlp, load_vocabulary(Path(themes_path) if themes_path else None))


@Language.factory("scr_agencies", default_config={"themes_path": None})
def make_agency_matcher(nlp: Language, name: str, themes_path: str | None) -> AgencyMatcher:
    """Factory for the ``scr_agencies`` component."""
    return AgencyMatcher(nlp, load_vocabulary(Path(themes_path) if themes_path else None))


@lru_cache(maxsize=2)
def make_nlp(themes_path: str | None = None) -> Language:
    """The full pipeline, built once per process."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("scr_cues", config={"themes_path": themes_path})
    nlp.add_pipe("scr_agencies", config={"themes_path": themes_path})
    nlp.max_length = 2_000_000
    return nlp
