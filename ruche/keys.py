"""The secret key of the commenter pseudonyms (`author_key` in the dbt models).

A commenter's pseudonym is sha256(key | platform | author id): without a secret key anyone with
a list of ids could reverse every pseudonym. The key comes from `RUCHE_AUTHOR_HASH_KEY`, else
from a key file (`RUCHE_AUTHOR_HASH_KEY_FILE`, default `~/.config/ruche/author_hash_key`) that
the command line creates on first use with a random key, readable only by its owner. Airflow
tasks read the same variable or file but never create one: a worker inventing its own key would
give every commenter new pseudonyms without anyone noticing. Only the demo uses the public
`DEMO_KEY`, and says so.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from ruche.errors import UserError

log = logging.getLogger(__name__)

KEY_ENV = "RUCHE_AUTHOR_HASH_KEY"
KEY_FILE_ENV = "RUCHE_AUTHOR_HASH_KEY_FILE"
DEMO_KEY = "ruche-demo-key-change-me"
"""Public (it is in this repository): pseudonyms made with it can be reversed. Demo only."""


def key_file() -> Path:
    """Where the key file is: `RUCHE_AUTHOR_HASH_KEY_FILE`, else under the user's config dir."""
    from ruche.settings import settings

    configured = settings().AUTHOR_HASH_KEY_FILE
    if configured:
        return configured.expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(base) / "ruche" / "author_hash_key"


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise UserError(
            f"{path}: the commenter-pseudonym key file is readable by others (mode {mode:o}); "
            f"run `chmod 600 {path}` and try again"
        )
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise UserError(
            f"{path}: the commenter-pseudonym key is missing or shorter than 16 characters; put "
            f"the key back (or delete the file to start new pseudonyms) and try again"
        )
    return key


def _create(path: Path) -> str:
    """A random key in a new file, mode 0600 from the start (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.warning(
        "created the commenter-pseudonym key %s (mode 600); back it up: a new key gives every "
        "commenter a new pseudonym",
        path,
    )
    return key


def author_hash_key(*, create: bool = False) -> str:
    """The key: `RUCHE_AUTHOR_HASH_KEY`, else the key file (created when `create`).

    Raises `UserError` when there is none (and `create` is false), or the file is unsafe.
    """
    from ruche.settings import settings

    key = settings().AUTHOR_HASH_KEY
    if key:
        return key
    path = key_file()
    if path.exists():
        return _read(path)
    if create:
        return _create(path)
    raise UserError(
        f"no commenter-pseudonym key: {KEY_ENV} is not set and {path} does not exist; set "
        f"{KEY_ENV} (e.g. `openssl rand -hex 32`) or {KEY_FILE_ENV} for this process, or run "
        "`ruche transform` once to create the key file (then back it up)"
    )
