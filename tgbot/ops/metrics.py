"""Every Prometheus metric of the bot, in a registry of its own, and the calls that move them.

Other modules never touch a prometheus_client object: they call the small functions below
(the delivery engine calls `delivered`, `rate_limited`, `push_lag`, `stars_spent` and
`set_sender`). Labels are kinds and outcomes only, never a chat or a person.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.context_managers import Timer
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tgbot.domain.outbox import METRIC_OUTCOME, OPEN_STATES, Kind

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

_UPDATES = Counter("tgbot_updates", "Updates handled, by kind (message, callback_query...)",
                   ["kind"], registry=REGISTRY)
_REPEATS = Counter("tgbot_updates_repeated", "Updates dropped because an instance had "
                   "handled the same update_id already", registry=REGISTRY)
_REPLIES = Counter("tgbot_replies", "Messages sent in answer to an update", registry=REGISTRY)
_HANDLING = Histogram("tgbot_handler_seconds", "Time to handle one update, every handler "
                      "together", buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                      registry=REGISTRY)
_DELIVERED = Counter("tgbot_delivered", "Outbox rows the sender closed or put back, by kind "
                     "(push, announcement) and outcome (sent, retried, blocked, expired, "
                     "failed, skipped: the chat left meanwhile)", ["kind", "outcome"],
                     registry=REGISTRY)
_RATE_LIMITED = Counter("tgbot_rate_limited", "429 Too Many Requests answers from the Bot API",
                        registry=REGISTRY)
_PUSH_LAG = Histogram("tgbot_push_lag_seconds", "From a chat's due time to its message's "
                      "send", buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
                      registry=REGISTRY)
_STARS = Counter("tgbot_stars_spent", "Telegram Stars spent on paid broadcasts",
                 registry=REGISTRY)
_SENDER = Gauge("tgbot_sender", "1 while this instance holds the sender lock", registry=REGISTRY)
_OUTBOX = Gauge("tgbot_outbox_rows", "Outbox rows by kind and state (read from the database "
                "when scraped)", ["kind", "state"], registry=REGISTRY)
_CAMPAIGN = Counter("tgbot_campaign_loads", "Campaigns taken in since start (from the file or "
                    "from another instance)", registry=REGISTRY)

for _kind in Kind:  # every series exists from the start, at 0: rate() needs a first sample
    for _outcome in METRIC_OUTCOME.values():
        _DELIVERED.labels(_kind, _outcome)


def update(kind: str) -> None:
    """One update arrived (`kind`: message, callback_query...)."""
    _UPDATES.labels(kind).inc()


def repeated_update() -> None:
    """An update dropped: an instance had handled its update_id already."""
    _REPEATS.inc()


def replied() -> None:
    """A message sent in answer to an update."""
    _REPLIES.inc()


def handling() -> Timer:
    """A context manager timing one update's handlers."""
    return _HANDLING.time()


def delivered(kind: str, outcome: str, rows: int = 1) -> None:
    """Outbox rows done (one, unless `rows` says how many).

    `kind` push|announcement|reminder, `outcome` sent|retried|blocked|expired|failed|skipped|
    withdrawn.
    """
    _DELIVERED.labels(kind, outcome).inc(rows)


def rate_limited() -> None:
    """A 429 Too Many Requests from the Bot API."""
    _RATE_LIMITED.inc()


def push_lag(seconds: float) -> None:
    """How late one message went out after its chat's due time (never below 0)."""
    _PUSH_LAG.observe(max(seconds, 0.0))


def stars_spent(stars: float) -> None:
    """Telegram Stars a paid broadcast cost."""
    _STARS.inc(stars)


def set_sender(holds: bool) -> None:
    """Whether this instance holds the sender lock now."""
    _SENDER.set(1 if holds else 0)


def campaign_taken() -> None:
    """A campaign taken in, from the file or from another instance."""
    _CAMPAIGN.inc()


async def exposition(outbox: Callable[[], Awaitable[dict[tuple[str, str], int]]]) -> bytes:
    """The text format, with the outbox depth read now (`outbox` is the store's query)."""
    depth = await outbox()
    _OUTBOX.clear()
    for kind in Kind:
        for state in OPEN_STATES:  # the backlog is always shown, 0 when empty
            _OUTBOX.labels(kind, state).set(depth.get((kind, state), 0))
    for (kind_name, state_name), count in depth.items():
        _OUTBOX.labels(kind_name, state_name).set(count)
    return generate_latest(REGISTRY)
