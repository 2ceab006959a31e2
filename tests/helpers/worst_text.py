"""The texts that cost the bot's text matching the most, for tests/test_pure.py and benchmarks.

Anyone can send the bot up to 4096 characters, or type 256 after "@bot" for inline search;
the matcher, the zone lookup and inline search must each stay cheap on all of these.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable

from telegram.constants import InlineQueryLimit, MessageLimit

from tgbot.domain.campaign import Campaign
from tgbot.domain.faq import words
from tgbot.i18n.translator import Translator

MESSAGE_CHARS = MessageLimit.MAX_TEXT_LENGTH  # 4096
INLINE_QUERY_CHARS = InlineQueryLimit.MAX_QUERY_LENGTH  # 256


def worst_texts(t: Translator, campaign: Campaign) -> dict[str, str]:
    """Long texts in `t`'s language and script, each as long as a message may be.

    "ﷺ" (one character that NFKD makes four words); random words in the language's letters
    (none known, each compared with the vocabulary); the FAQ's own words, each with a typo
    (each close to a known word, so compared in full); the FAQ's words as written; one word.
    """
    phrases = [t.gettext(p) for entry in campaign.faq for p in (entry.question, entry.button,
                                                                 *entry.also)]
    known = sorted({w for phrase in phrases for w in words(phrase) if len(w) >= 4})
    letters = sorted({c for w in known for c in w if c.isalpha()})
    rng = random.Random(t.code)
    junk = (" ".join("".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
                     for _ in range(MESSAGE_CHARS)))
    typos = " ".join(w[:i] + rng.choice(letters) + w[i + 1:]
                     for w in known * 50 for i in [rng.randrange(len(w))])
    return {"ﷺ × 4096": "\ufdfa" * MESSAGE_CHARS,
            "random words": junk[:MESSAGE_CHARS],
            "known words with a typo": typos[:MESSAGE_CHARS],
            "the FAQ's own words": (" ".join(phrases) * 50)[:MESSAGE_CHARS],
            "one long word": letters[0] * MESSAGE_CHARS}


def cpu_milliseconds(work: Callable[..., object], *args: object) -> float:
    """The processor time one call takes (other programs on a loaded machine do not count)."""
    gc.disable()
    start = time.process_time()
    work(*args)
    spent = time.process_time() - start
    gc.enable()
    return spent * 1000
