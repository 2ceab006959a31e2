"""Numbered schema migrations and their runner: `applied()`, `pending()` and `apply()`.

Never edit a migration that has shipped: add the next number. `apply()` runs each in its own
transaction together with the row that records it in `_migrations`, so a crash leaves it
applied or not. SQLite and PostgreSQL share the numbers and names; their SQL differs where the
types do (PostgreSQL needs BIGINT for Telegram ids and has no rowid), in `POSTGRES` below.
A migration that needs Python (the key of `Pseudonyms`) has a step in `STEPS`, run after its
SQL in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from tgbot.storage.backends import Database, Transaction
from tgbot.storage.pseudonyms import Pseudonyms

# The table that records applied migrations: its name and rows are what an existing database
# already has, so keep both.
RECORD = "_migrations"

SQLITE: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        -- One row per chat that talked to the bot. Private chats: chat_id is the user's id.
        -- Only what the features need: no names, usernames or message texts.
        CREATE TABLE chats (
            chat_id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,              -- private | group | supergroup | channel
            language TEXT,                   -- chosen language; NULL: from Telegram's hint
            subscribed INTEGER NOT NULL DEFAULT 0,
            push_time TEXT,                  -- HH:MM local; NULL: the campaign's push_time
            timezone TEXT,                   -- IANA zone; NULL: the campaign's timezone
            created_on TEXT NOT NULL         -- a date, for "new this week"
        );
        -- Completed actions, per person (not per chat), once per action per edition.
        CREATE TABLE completions (
            user_id INTEGER NOT NULL,
            edition INTEGER NOT NULL,
            action_id TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            PRIMARY KEY (user_id, edition, action_id)
        ) WITHOUT ROWID;
        -- Deep-link sources: an aggregate count, never who.
        CREATE TABLE start_sources (
            source TEXT PRIMARY KEY,
            starts INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0002_deliveries",
        """
        -- The outbox of the daily push: one row per chat and campaign day, so a message is
        -- sent once even across crashes and several senders.
        CREATE TABLE deliveries (
            chat_id INTEGER NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            state TEXT NOT NULL,             -- pending | sending | sent | failed | gone
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            claimed_at REAL,                 -- when a sender took it (state 'sending')
            claimed_by TEXT,                 -- which sender: never reclaims its own rows
            not_before REAL NOT NULL DEFAULT 0,  -- retry backoff
            PRIMARY KEY (chat_id, edition, day)
        );
        CREATE INDEX deliveries_todo ON deliveries (state, not_before);
        -- Telegram's file_id for each uploaded image, so an infographic is uploaded once.
        CREATE TABLE media (
            key TEXT PRIMARY KEY,            -- file name and content hash
            file_id TEXT NOT NULL
        ) WITHOUT ROWID;
        ALTER TABLE chats ADD COLUMN thread_id INTEGER;   -- forum topic for the push
        ALTER TABLE chats ADD COLUMN subscribed_on TEXT;
        ALTER TABLE chats ADD COLUMN unsubscribed_on TEXT;
        """,
    ),
    (
        "0003_group_presses",
        """
        -- Who pressed "I did it" under a message in a group, so the group's counter counts
        -- each person once. Deleted with the person by /forget.
        CREATE TABLE group_presses (
            chat_id INTEGER NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            PRIMARY KEY (chat_id, edition, day, user_id)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0004_announcements",
        """
        -- Organisers' announcements, and their own outbox: same states as deliveries.
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL,              -- Telegram HTML, as the organiser wrote it
            language TEXT,                   -- only chats in this language; NULL: everyone
            state TEXT NOT NULL,             -- draft | sending | cancelled
            created_on TEXT NOT NULL
        );
        CREATE TABLE announcement_deliveries (
            announcement_id INTEGER NOT NULL REFERENCES announcements (id),
            chat_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            claimed_at REAL,
            claimed_by TEXT,
            not_before REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (announcement_id, chat_id)
        );
        CREATE INDEX announcement_deliveries_todo
            ON announcement_deliveries (state, not_before);
        """,
    ),
    (
        "0005_push_schedule",
        """
        -- When the scheduler looks at a subscribed chat next: its next push time, or 0 for
        -- "at once" (new subscription, new settings, another campaign). NULL: never (not
        -- subscribed, or the campaign is over), so finding the chats due is one index range.
        ALTER TABLE chats ADD COLUMN next_push_at REAL;
        UPDATE chats SET next_push_at = 0 WHERE subscribed = 1;
        CREATE INDEX chats_next_push ON chats (next_push_at);
        -- Small facts about the whole database: "schedule" is the campaign timing the
        -- next_push_at times were planned for, so a new sender does not plan them again.
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0006_outbox_lifetimes",
        """
        -- Every outbox row has a lifetime: a day's action is for that day in the chat's own
        -- zone, an announcement for its lifetime; past it the row is closed as 'expired'.
        -- NULL (rows queued before this migration): judged when the row is claimed.
        ALTER TABLE deliveries ADD COLUMN expires_at REAL;
        ALTER TABLE deliveries ADD COLUMN due_at REAL;   -- when it became due: the push lag
        ALTER TABLE deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;  -- a paid broadcast
        ALTER TABLE announcement_deliveries ADD COLUMN expires_at REAL;
        ALTER TABLE announcement_deliveries ADD COLUMN due_at REAL;
        ALTER TABLE announcement_deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE announcements ADD COLUMN lifetime REAL;  -- seconds; NULL: the default
        -- The organiser's status message, which the sender edits with the progress; a
        -- finished announcement's state becomes 'done'.
        ALTER TABLE announcements ADD COLUMN status_chat_id INTEGER;
        ALTER TABLE announcements ADD COLUMN status_message_id INTEGER;
        ALTER TABLE announcements ADD COLUMN status_language TEXT;
        ALTER TABLE announcements ADD COLUMN reported INTEGER;  -- rows sent when last shown
        CREATE INDEX deliveries_expiry ON deliveries (state, expires_at);
        -- Each running instance, refreshed at its beat: who sends, and how many of Telegram's
        -- messages per second its replies may use (the sender leaves those to it).
        CREATE TABLE instances (
            instance_id TEXT PRIMARY KEY,
            started_at REAL NOT NULL,
            heartbeat_at REAL NOT NULL,
            sending INTEGER NOT NULL DEFAULT 0,
            reply_lease INTEGER NOT NULL DEFAULT 0,
            version TEXT
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0007_operations",
        """
        -- Updates already acted on, shared by every instance: Telegram re-sends an update
        -- when a webhook answers late, and behind a load balancer the repeat can reach another
        -- instance. Only the id and when it came; kept for a day, then deleted at the beat.
        CREATE TABLE handled_updates (
            update_id INTEGER PRIMARY KEY,
            handled_at REAL NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX handled_updates_age ON handled_updates (handled_at);
        -- The campaign every instance runs: the last valid actions.yaml an instance started
        -- with or reloaded, and its version (a hash of the text), checked by all at the beat.
        CREATE TABLE published_campaign (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version TEXT NOT NULL,
            source TEXT NOT NULL,
            published_at REAL NOT NULL
        );
        -- Every version ever published: an instance restarting with a file that was
        -- superseded since runs the published campaign instead of bringing the old one back.
        CREATE TABLE campaign_versions (
            version TEXT PRIMARY KEY,
            published_at REAL NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0008_reminders",
        """
        -- "N people have done this": counted per action at every push batch, from an index.
        CREATE INDEX completions_by_action ON completions (edition, action_id);
        -- Opt-in reminders, private chats only: a time of day in the chat's zone, and when
        -- the scheduler looks at it next (NULL: the campaign has no day left).
        CREATE TABLE reminders (
            chat_id INTEGER PRIMARY KEY,
            remind_at TEXT NOT NULL,         -- HH:MM local
            next_at REAL
        );
        CREATE INDEX reminders_next ON reminders (next_at);
        -- The reminders' outbox: one row per (chat, day), with the push's lifecycle.
        CREATE TABLE reminder_deliveries (
            chat_id INTEGER NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id INTEGER,
            claimed_at REAL,
            claimed_by TEXT,
            not_before REAL NOT NULL DEFAULT 0,
            expires_at REAL,
            due_at REAL,
            paid INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (chat_id, edition, day)
        ) WITHOUT ROWID;
        CREATE INDEX reminder_deliveries_todo ON reminder_deliveries (state, not_before);
        """,
    ),
    (
        "0009_pseudonyms",
        """
        -- Who did what is kept under a pseudonym: `person` is a keyed hash of the Telegram
        -- user id (tgbot.storage.pseudonyms), the key outside the database. The step fills
        -- these from the old tables, then they take the old tables' names.
        CREATE TABLE id_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            fingerprint TEXT NOT NULL        -- of the key, so another key is refused
        );
        CREATE TABLE completions_by_person (
            person BLOB NOT NULL,
            edition INTEGER NOT NULL,
            action_id TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            language TEXT,                   -- the chat's language then, for /stats
            PRIMARY KEY (person, edition, action_id)
        ) WITHOUT ROWID;
        CREATE TABLE group_presses_by_person (
            chat_id INTEGER NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            person BLOB NOT NULL,
            PRIMARY KEY (chat_id, edition, day, person)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0010_outbox_tally",
        """
        -- Closed outbox rows are deleted two weeks on (who got which message is not kept);
        -- how many were deleted in each state stays, for `tgbot status` and the metrics.
        CREATE TABLE outbox_tally (
            kind TEXT NOT NULL,              -- push | announcement | reminder
            state TEXT NOT NULL,
            deleted INTEGER NOT NULL,
            PRIMARY KEY (kind, state)
        ) WITHOUT ROWID;
        CREATE INDEX announcement_deliveries_expiry
            ON announcement_deliveries (state, expires_at);
        CREATE INDEX reminder_deliveries_expiry ON reminder_deliveries (state, expires_at);
        """,
    ),
    (
        "0011_discreet",
        """
        -- Discreet mode, per chat: silent, protected messages with a neutral first line,
        -- deleted after TGBOT_DISCREET_HOURS.
        ALTER TABLE chats ADD COLUMN discreet INTEGER NOT NULL DEFAULT 0;
        -- The deletion outbox: messages the bot sent to private chats, kept for the 48 hours
        -- Telegram lets a bot delete them, then dropped. Deleted at delete_at (a discreet
        -- chat's), or when the person sends /forget (NULL until then).
        CREATE TABLE deletions (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            sent_at REAL NOT NULL,           -- the bot's clock
            delete_at REAL,
            state TEXT NOT NULL,             -- pending | deleting | deleted | too_old | gone
                                             -- | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT,                 -- the instance deleting it (state 'deleting')
            claimed_at REAL,
            PRIMARY KEY (chat_id, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX deletions_due ON deletions (state, delete_at);
        CREATE INDEX deletions_age ON deletions (sent_at);
        """,
    ),
]

POSTGRES: dict[str, str] = {
    "0001_initial": """
        CREATE TABLE chats (
            chat_id BIGINT PRIMARY KEY,
            kind TEXT NOT NULL,
            language TEXT,
            subscribed INTEGER NOT NULL DEFAULT 0,
            push_time TEXT,
            timezone TEXT,
            created_on TEXT NOT NULL
        );
        CREATE TABLE completions (
            user_id BIGINT NOT NULL,
            edition INTEGER NOT NULL,
            action_id TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            PRIMARY KEY (user_id, edition, action_id)
        );
        CREATE TABLE start_sources (
            source TEXT PRIMARY KEY,
            starts INTEGER NOT NULL
        );
        """,
    "0002_deliveries": """
        CREATE TABLE deliveries (
            chat_id BIGINT NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id BIGINT,
            claimed_at DOUBLE PRECISION,
            claimed_by TEXT,
            not_before DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (chat_id, edition, day)
        );
        CREATE INDEX deliveries_todo ON deliveries (state, not_before);
        CREATE TABLE media (
            key TEXT PRIMARY KEY,
            file_id TEXT NOT NULL
        );
        ALTER TABLE chats ADD COLUMN thread_id BIGINT;
        ALTER TABLE chats ADD COLUMN subscribed_on TEXT;
        ALTER TABLE chats ADD COLUMN unsubscribed_on TEXT;
        """,
    "0003_group_presses": """
        CREATE TABLE group_presses (
            chat_id BIGINT NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            user_id BIGINT NOT NULL,
            PRIMARY KEY (chat_id, edition, day, user_id)
        );
        """,
    "0004_announcements": """
        CREATE TABLE announcements (
            id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            text TEXT NOT NULL,
            language TEXT,
            state TEXT NOT NULL,
            created_on TEXT NOT NULL
        );
        CREATE TABLE announcement_deliveries (
            announcement_id BIGINT NOT NULL REFERENCES announcements (id),
            chat_id BIGINT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id BIGINT,
            claimed_at DOUBLE PRECISION,
            claimed_by TEXT,
            not_before DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (announcement_id, chat_id)
        );
        CREATE INDEX announcement_deliveries_todo
            ON announcement_deliveries (state, not_before);
        """,
    "0005_push_schedule": """
        ALTER TABLE chats ADD COLUMN next_push_at DOUBLE PRECISION;
        UPDATE chats SET next_push_at = 0 WHERE subscribed = 1;
        CREATE INDEX chats_next_push ON chats (next_push_at);
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    "0006_outbox_lifetimes": """
        ALTER TABLE deliveries ADD COLUMN expires_at DOUBLE PRECISION;
        ALTER TABLE deliveries ADD COLUMN due_at DOUBLE PRECISION;
        ALTER TABLE deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE announcement_deliveries ADD COLUMN expires_at DOUBLE PRECISION;
        ALTER TABLE announcement_deliveries ADD COLUMN due_at DOUBLE PRECISION;
        ALTER TABLE announcement_deliveries ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE announcements ADD COLUMN lifetime DOUBLE PRECISION;
        ALTER TABLE announcements ADD COLUMN status_chat_id BIGINT;
        ALTER TABLE announcements ADD COLUMN status_message_id BIGINT;
        ALTER TABLE announcements ADD COLUMN status_language TEXT;
        ALTER TABLE announcements ADD COLUMN reported INTEGER;
        CREATE INDEX deliveries_expiry ON deliveries (state, expires_at);
        CREATE TABLE instances (
            instance_id TEXT PRIMARY KEY,
            started_at DOUBLE PRECISION NOT NULL,
            heartbeat_at DOUBLE PRECISION NOT NULL,
            sending INTEGER NOT NULL DEFAULT 0,
            reply_lease INTEGER NOT NULL DEFAULT 0,
            version TEXT
        );
        """,
    "0007_operations": """
        CREATE TABLE handled_updates (
            update_id BIGINT PRIMARY KEY,
            handled_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX handled_updates_age ON handled_updates (handled_at);
        CREATE TABLE published_campaign (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version TEXT NOT NULL,
            source TEXT NOT NULL,
            published_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE campaign_versions (
            version TEXT PRIMARY KEY,
            published_at DOUBLE PRECISION NOT NULL
        );
        """,
    "0008_reminders": """
        CREATE INDEX completions_by_action ON completions (edition, action_id);
        CREATE TABLE reminders (
            chat_id BIGINT PRIMARY KEY,
            remind_at TEXT NOT NULL,
            next_at DOUBLE PRECISION
        );
        CREATE INDEX reminders_next ON reminders (next_at);
        CREATE TABLE reminder_deliveries (
            chat_id BIGINT NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            message_id BIGINT,
            claimed_at DOUBLE PRECISION,
            claimed_by TEXT,
            not_before DOUBLE PRECISION NOT NULL DEFAULT 0,
            expires_at DOUBLE PRECISION,
            due_at DOUBLE PRECISION,
            paid INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (chat_id, edition, day)
        );
        CREATE INDEX reminder_deliveries_todo ON reminder_deliveries (state, not_before);
        """,
    "0009_pseudonyms": """
        CREATE TABLE id_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            fingerprint TEXT NOT NULL
        );
        CREATE TABLE completions_by_person (
            person BYTEA NOT NULL,
            edition INTEGER NOT NULL,
            action_id TEXT NOT NULL,
            completed_on TEXT NOT NULL,
            language TEXT,
            PRIMARY KEY (person, edition, action_id)
        );
        CREATE TABLE group_presses_by_person (
            chat_id BIGINT NOT NULL,
            edition INTEGER NOT NULL,
            day INTEGER NOT NULL,
            person BYTEA NOT NULL,
            PRIMARY KEY (chat_id, edition, day, person)
        );
        """,
    "0010_outbox_tally": """
        CREATE TABLE outbox_tally (
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            deleted BIGINT NOT NULL,
            PRIMARY KEY (kind, state)
        );
        CREATE INDEX announcement_deliveries_expiry
            ON announcement_deliveries (state, expires_at);
        CREATE INDEX reminder_deliveries_expiry ON reminder_deliveries (state, expires_at);
        """,
    "0011_discreet": """
        ALTER TABLE chats ADD COLUMN discreet INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE deletions (
            chat_id BIGINT NOT NULL,
            message_id BIGINT NOT NULL,
            sent_at DOUBLE PRECISION NOT NULL,
            delete_at DOUBLE PRECISION,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_by TEXT,
            claimed_at DOUBLE PRECISION,
            PRIMARY KEY (chat_id, message_id)
        );
        CREATE INDEX deletions_due ON deletions (state, delete_at);
        CREATE INDEX deletions_age ON deletions (sent_at);
        """,
}


async def _pseudonymise(tx: Transaction, people: Pseudonyms) -> None:
    """0009: record the key's fingerprint; rewrite completions and presses under pseudonyms.

    A completion keeps the language its chat has now, which /stats counted it under. The old
    tables go (secure_delete zeroes their pages).
    """
    await tx.execute("INSERT INTO id_key VALUES (1, ?)", (people.fingerprint,))
    for user_id, edition, action_id, completed_on, language in await tx.fetch(
            "SELECT c.user_id, c.edition, c.action_id, c.completed_on, ch.language FROM "
            "completions c LEFT JOIN chats ch ON ch.chat_id = c.user_id"):
        await tx.execute("INSERT INTO completions_by_person VALUES (?, ?, ?, ?, ?)",
                         (people.person(user_id), edition, action_id, completed_on, language))
    for chat_id, edition, day, user_id in await tx.fetch("SELECT * FROM group_presses"):
        await tx.execute("INSERT INTO group_presses_by_person VALUES (?, ?, ?, ?)",
                         (chat_id, edition, day, people.person(user_id)))
    for table in ("completions", "group_presses"):
        await tx.execute(f"DROP TABLE {table}")
        await tx.execute(f"ALTER TABLE {table}_by_person RENAME TO {table}")
    await tx.execute("CREATE INDEX completions_by_action ON completions (edition, action_id)")


# Python steps, by migration name: run after the migration's SQL, in its transaction.
STEPS: dict[str, Callable[[Transaction, Pseudonyms], Awaitable[None]]] = {
    "0009_pseudonyms": _pseudonymise,
}


def migrations(dialect: str) -> list[tuple[str, str]]:
    """(name, SQL) in order for "sqlite" or "postgresql"."""
    if dialect == "sqlite":
        return SQLITE
    return [(name, POSTGRES[name]) for name, _ in SQLITE]


async def applied(db: Database) -> list[str]:
    """The names of the migrations this database has had, in order ([] for a new one)."""
    if not await db.columns(RECORD):  # a new database: not even the record yet
        return []
    return [row[0] for row in await db.fetch(f"SELECT name FROM {RECORD} ORDER BY name")]


async def pending(db: Database) -> list[str]:
    """The names of the migrations `apply()` would run, in order."""
    done = set(await applied(db))
    return [name for name, _ in migrations(db.dialect) if name not in done]


async def apply(db: Database, people: Pseudonyms) -> list[str]:
    """Apply the pending migrations in order; return their names.

    Each is checked again inside its own transaction, which keeps other processes' runners
    out (`Database.schema_transaction`): instances starting at once apply it once. `people`
    is for the steps that write pseudonyms.
    """
    new = []
    for name, sql in migrations(db.dialect):
        async with db.schema_transaction() as tx:
            await tx.execute(f"CREATE TABLE IF NOT EXISTS {RECORD} "
                             "(name TEXT PRIMARY KEY, applied_at TEXT)")
            if await tx.fetch(f"SELECT 1 FROM {RECORD} WHERE name = ?", (name,)):
                continue
            for statement in _statements(sql):
                await tx.execute(statement)
            if name in STEPS:
                await STEPS[name](tx, people)
            await tx.execute(f"INSERT INTO {RECORD} VALUES (?, ?)",
                             (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
        new.append(name)
    return new


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no ';' in strings)."""
    lines = [line.split("--")[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
