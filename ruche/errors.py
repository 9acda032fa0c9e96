"""Errors a user can fix, told in one line: what, where, and what to do.

The CLI turns these (and the operating-system and DuckDB errors `explain` recognises: a
warehouse locked by another process, a full, read-only or unwritable disk) into one message and
a non-zero exit code instead of a traceback. Library code raises them where it knows the context.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import time
from pathlib import Path

LOCK_TIMEOUT_ENV = "RUCHE_LOCK_TIMEOUT"
"""Seconds to wait for another process to release the warehouse (default 0: do not wait)."""

_LOCK_RE = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in '
    r"(?P<program>.+?) \(PID (?P<pid>\d+)\)"
)
_DUCKDB_FILE_RE = re.compile(r'(?:file|directory) "(?P<path>[^"]+)"')

# errno → (what happened, what to do)
_DISK_ERRNOS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("the disk is full", "free space on that disk (or point Ruche elsewhere)"),
    errno.EDQUOT: ("the disk quota is used up", "free space or raise the quota"),
    errno.EFBIG: (
        "the file is larger than this process may write (file size limit or full disk)",
        "free space, or raise the limit (`ulimit -f`)",
    ),
    errno.EROFS: ("the file system is read-only", "point Ruche at a writable place"),
    errno.EACCES: ("permission denied", "give this user write access, or use another path"),
    errno.EPERM: ("the operation is not permitted", "use a path this user may write"),
}
_DUCKDB_DISK_TEXTS: dict[str, int] = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "File too large": errno.EFBIG,
    "Read-only file system": errno.EROFS,
    "Permission denied": errno.EACCES,
}


class UserError(RuntimeError):
    """A problem the user can fix; its message says what, where and what to do."""


class SettingError(UserError, ValueError):
    """A setting (environment variable or option) holds a value Ruche cannot use."""


class WarehouseLocked(UserError):
    """Another process holds the DuckDB warehouse (DuckDB allows one writer per file)."""

    def __init__(self, path: str | Path, pid: int | None = None, program: str | None = None):
        self.path = str(path)
        self.pid = pid
        holder = f"process {pid} ({program})" if pid else "another process"
        super().__init__(
            f"{self.path} is in use by {holder}, which is writing the warehouse; wait for it to "
            f"finish (or stop it) and run again, or set {LOCK_TIMEOUT_ENV}=<seconds> to wait"
        )


class PortBusy(UserError):
    """A port Ruche was asked to listen on is taken (often a sandbox or Airflow still running)."""

    def __init__(self, host: str, port: int, what: str, option: str):
        self.host, self.port = host, port
        super().__init__(
            f"port {port} on {host} ({what}) is already in use, by another program or an earlier "
            f"Ruche still running; stop it, or choose another port with {option} <port>"
        )


def port_busy(exc: BaseException, host: str, port: int, what: str, option: str) -> PortBusy | None:
    """The `PortBusy` for a bind refused because the address is in use, else None."""
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return PortBusy(host, port, what, option)
    return None


def check_port_free(host: str, port: int, what: str, option: str) -> None:
    """Raise `PortBusy` if nothing could listen on host:port now — for servers started by another
    program (the Airflow UI), whose own error would be a long traceback in its log."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a port left in TIME_WAIT by a stopped server is free to listen on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise port_busy(exc, host, port, what, option) or exc from None


def _program(pid: int, fallback: str) -> str:
    """The holder's command line (`ruche load`, `airflow tasks run …`) if this host shows it."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return fallback
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    if len(parts) > 1 and Path(parts[0]).name.startswith("python"):
        parts = parts[1:]  # `python …/ruche load` reads better as `…/ruche load`
    if parts:
        parts[0] = Path(parts[0]).name
    text = " ".join(parts)
    return text[:60] or fallback


def warehouse_locked(exc: BaseException) -> WarehouseLocked | None:
    """The `WarehouseLocked` for DuckDB's lock error (it names the holder's PID), else None."""
    match = _LOCK_RE.search(str(exc))
    if not match:
        return None
    pid = int(match["pid"])
    return WarehouseLocked(match["path"], pid, _program(pid, Path(match["program"]).name))


def disk_problem(exc: BaseException, path: str | os.PathLike[str] | None = None) -> str | None:
    """One line for a write refused by the disk (full, read-only, no permission), else None."""
    code: int | None = None
    where = path
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        code = exc.errno
        where = exc.filename or where
    else:
        text = str(exc)
        for needle, value in _DUCKDB_DISK_TEXTS.items():
            if needle in text:
                code = value
                match = _DUCKDB_FILE_RE.search(text)
                where = match["path"] if match else where
                break
    if code is None:
        return None
    what, todo = _DISK_ERRNOS[code]
    place = f"{where}" if where else "a file"
    return f"cannot write {place}: {what}; {todo}, then run again"


def explain(exc: BaseException) -> str | None:
    """The one-line message for an error a user can fix, or None for a bug (keep the traceback)."""
    if isinstance(exc, UserError):
        return str(exc)
    locked = warehouse_locked(exc)
    if locked is not None:
        return str(locked)
    return disk_problem(exc)


def lock_timeout() -> float:
    from ruche.settings import settings

    return settings().LOCK_TIMEOUT


def wait_for_warehouse(path: str | os.PathLike[str], timeout: float | None = None) -> None:
    """Return once no other process holds `path`, waiting up to `timeout` seconds
    (default `RUCHE_LOCK_TIMEOUT`); raise `WarehouseLocked` naming the holder otherwise.

    The check opens the file for writing and closes it at once: DuckDB has one writer per file,
    so it fails exactly when the real open would.
    """
    import duckdb

    path = Path(path)
    if not path.exists():
        return
    deadline = time.monotonic() + (lock_timeout() if timeout is None else timeout)
    while True:
        try:
            duckdb.connect(str(path)).close()
            return
        except duckdb.Error as exc:
            locked = warehouse_locked(exc)
            if locked is None:
                raise
            if time.monotonic() >= deadline:
                raise locked from None
        time.sleep(1.0)
