"""A person in the tables of what people did is a keyed hash of their Telegram id, not the id.

`completions` and `group_presses` say who did which action and who is in which group. They
hold `Pseudonyms.person(user_id)`: HMAC-SHA256 of the id under a key kept outside the
database, so a copy of the database alone (a backup, a stolen disk) does not say whose actions
they are. The bot, holding the key, still finds a person's rows from their id (/progress,
/mydata, /forget). Telegram ids are few enough to try them all: the key is what protects.

The key is TGBOT_ID_KEY, or the file TGBOT_ID_KEY_FILE names; without either, a SQLite
database gets a random one in the file `<database>.idkey` beside it, made at its first start.
A PostgreSQL database needs the key set: every instance must use the same one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from tgbot.config import read_secret
from tgbot.errors import DatabaseError
from tgbot.storage.backends import is_postgres_url

VARIABLE = "TGBOT_ID_KEY"
MIN_KEY_LENGTH = 32  # characters: `openssl rand -hex 32` gives 64
PERSON_BYTES = 16  # of the HMAC: far from any collision among Telegram's accounts
KEY_FILE_SUFFIX = ".idkey"


class Pseudonyms:
    """Turns Telegram user ids into the pseudonyms stored for them, under one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def person(self, user_id: int) -> bytes:
        """The pseudonym of a person: the first 16 bytes of HMAC-SHA256(key, their id)."""
        return hmac.new(self._key, str(user_id).encode(), hashlib.sha256).digest()[:PERSON_BYTES]

    @property
    def fingerprint(self) -> str:
        """What the database records of the key, to refuse another key (not the key itself)."""
        return hmac.new(self._key, b"tgbot id key fingerprint", hashlib.sha256).hexdigest()


def load(target: str, env: dict[str, str] | None = None) -> Pseudonyms:
    """The pseudonyms for the database `target` (a SQLite path or a PostgreSQL URL).

    The key from TGBOT_ID_KEY or TGBOT_ID_KEY_FILE (of `env`, or the process's environment);
    else, for SQLite, the key file beside the database, made if there is none.
    """
    key = read_secret(dict(os.environ if env is None else env), VARIABLE)
    if key:
        if len(key) < MIN_KEY_LENGTH:
            raise DatabaseError(f"{VARIABLE} is too short: use at least {MIN_KEY_LENGTH} "
                                "random characters (openssl rand -hex 32)")
        return Pseudonyms(key.encode())
    if is_postgres_url(target):
        raise DatabaseError(f"no {VARIABLE}: a PostgreSQL database needs the key every "
                            f"instance shares; set {VARIABLE} or {VARIABLE}_FILE (make one "
                            "with: openssl rand -hex 32)")
    return Pseudonyms(key_file(Path(target + KEY_FILE_SUFFIX)).encode())


def key_file(path: Path) -> str:
    """The key in `path`: 64 hex characters, made at random if the file does not exist.

    The file is written whole, only its owner can read it, and then linked into place, so
    two processes starting at once both read the one key that was linked first. It is text,
    so TGBOT_ID_KEY_FILE can name it (moving to PostgreSQL keeps every person's history).
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=path.name)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)
    return _read_key(path)


def _read_key(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise DatabaseError(f"cannot read the key file {path}: "
                            f"{getattr(error, 'strerror', None) or 'not a key'}") from None
    if len(key) < MIN_KEY_LENGTH:
        raise DatabaseError(f"the key file {path} holds no key: restore it from where you "
                            f"keep it, or delete it only if the database is new")
    return key
