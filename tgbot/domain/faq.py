"""Match a question typed in any language to a FAQ entry, tolerant of case, punctuation and typos.

Each entry is known by its question and a few other phrasings, all translated through the
catalogs. A question typed exactly as one of them (case and punctuation aside) is that
entry's. Otherwise words are weighted by how rare they are among the entries (inverse document
frequency), so "who" and "organise" decide, while "the" and "is" count for little; and each
typed word may match a known word with a small typo. No stop-word lists, so it works the same
in every language.

Anyone can send text, so the work per text is bounded: only its first `MAX_QUESTION_CHARS`
characters and `MAX_QUESTION_WORDS` words are read, at most `MAX_TYPO_LOOKUPS` unknown words
are compared with the known ones, and each matcher remembers the comparisons it made.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# How alike two words must be to count as the same word with a typo (difflib ratio).
TYPO_SIMILARITY = 0.8
# The least share of a question's weight that must match before we dare answer.
MIN_SCORE = 0.34
# Without a word that only one entry has, a match must be near-complete and long enough:
# "what is it" is too vague to answer, "what is the day to end impunity" is not.
VAGUE_MIN_SCORE, VAGUE_MIN_WORDS = 0.75, 4

# A question is short: what follows is not read. Normalising can make text longer (NFKD turns
# "ﷺ" into 18 characters, four words), so both its characters and its words are capped.
MAX_QUESTION_CHARS, MAX_QUESTION_WORDS = 300, 40
# Comparing an unknown word with every known one is the costly part (about 0.3 ms): a question
# has few typos, so the unknown words after the first few count as unknown.
MAX_TYPO_LOOKUPS = 8
# Typed words whose closest known word each matcher remembers (at most a few hundred KB).
TYPO_CACHE_SIZE = 1024

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Words without case, accents or punctuation: "Who organises?" -> ["who", "organises"]."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    # one letter is no word: the "s" of "year's", the "l" of "l'impunité"
    return [w for w in _WORD.findall(plain) if len(w) > 1 or w.isdigit()]


def question_words(text: str) -> list[str]:
    """The words of what someone typed, as `words`, from a bounded beginning of it."""
    return words(text[:MAX_QUESTION_CHARS])[:MAX_QUESTION_WORDS]


@dataclass
class FaqMatcher:
    """Finds the FAQ entry a typed question is about, for one language."""

    vocabulary: dict[str, set[str]]  # entry id -> every word of its phrasings
    weights: dict[str, float]  # word -> how much it tells entries apart
    keywords: set[str]  # words that only one entry has
    phrases: dict[tuple[str, ...], str]  # the words of each phrasing -> its entry (the first)

    @classmethod
    def build(cls, phrasings: dict[str, Iterable[str]]) -> FaqMatcher:
        """A matcher for one language from each entry's phrasings (question, button, also).

        A word shared by fewer entries weighs more (inverse document frequency).
        """
        split = {entry: [tuple(words(phrase)) for phrase in phrases]
                 for entry, phrases in phrasings.items()}
        vocabulary = {entry: {w for phrase in phrases for w in phrase}
                      for entry, phrases in split.items()}
        count = len(vocabulary)
        frequency: dict[str, int] = {}
        for entry_words in vocabulary.values():
            for word in entry_words:
                frequency[word] = frequency.get(word, 0) + 1
        weights = {word: math.log(1 + count / df) for word, df in frequency.items()}
        keywords = {word for word, df in frequency.items() if df == 1}
        phrases: dict[tuple[str, ...], str] = {}
        for entry, entry_phrases in split.items():
            for phrase in filter(None, entry_phrases):
                phrases.setdefault(phrase, entry)
        return cls(vocabulary, weights, keywords, phrases)

    def __post_init__(self) -> None:
        self._closest = functools.lru_cache(maxsize=TYPO_CACHE_SIZE)(self._closest_uncached)

    def _known(self, text: str) -> list[str]:
        """The known words the words of `text` stand for, a small typo allowed in a few."""
        known, lookups = [], 0
        for word in question_words(text):
            if word in self.weights:
                known.append(word)
            elif len(word) >= 4 and lookups < MAX_TYPO_LOOKUPS:
                lookups += 1
                if (close := self._closest(word)) is not None:
                    known.append(close)
        return known

    def _closest_uncached(self, word: str) -> str | None:
        close = difflib.get_close_matches(word, self.weights, n=1, cutoff=TYPO_SIMILARITY)
        return close[0] if close else None

    def rank(self, query: str) -> list[str]:
        """Every entry that shares a word with `query` (typos allowed), best first.

        Entries keep their own order on a tie. For inline search, where a short list beats
        one guess.
        """
        known = self._known(query)
        scores = {entry: sum(self.weights[k] for k in known if k in entry_words)
                  for entry, entry_words in self.vocabulary.items()}
        return sorted((entry for entry, score in scores.items() if score > 0),
                      key=lambda entry: -scores[entry])

    def match(self, question: str) -> str | None:
        """The id of the best entry for `question`, or None when nothing fits well enough."""
        if (exact := self.phrases.get(tuple(question_words(question)))) is not None:
            return exact
        known = self._known(question)
        if not known:
            return None
        total = sum(self.weights[k] for k in known)
        best_entry, best_score = None, 0.0
        for entry, entry_words in self.vocabulary.items():
            matched = [k for k in known if k in entry_words]
            score = sum(self.weights[k] for k in matched) / total
            if self.keywords.intersection(matched):
                good = score >= MIN_SCORE
            else:
                good = score >= VAGUE_MIN_SCORE and len(matched) >= VAGUE_MIN_WORDS
            if good and score > best_score:
                best_entry, best_score = entry, score
        return best_entry
