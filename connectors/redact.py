"""Keeping tokens out of logs, exceptions and reprs.

Ruche sends tokens in headers, never in URLs, and strips them from the `next` links platforms
return. This module is the second line: every log line and error text built by the connectors goes
through `Redactor.redact`, and `install_log_redaction` adds a filter to log handlers so that even
third-party libraries (requests, urllib3) cannot print a registered secret.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

MASK = "***"
_PARAM_RE = re.compile(
    r"(?i)\b(access_token|input_token|client_secret|appsecret_proof|refresh_token|"
    r"developer_token|api_key|key|token)=([^&\s\"']+)"
)
_AUTH_RE = re.compile(
    r"(?i)\b(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|oauth)?\s*)([^\s'\",}]+)"
)


class Redactor:
    """Masks known secrets and anything that looks like a credential parameter."""

    _lock = threading.Lock()
    _global: set[str] = set()

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = {s for s in secrets if s and len(s) >= 4}
        self.register_global(self._secrets)

    @classmethod
    def register_global(cls, secrets: Iterable[str]) -> None:
        """Make secrets known to the log filter (process-wide)."""
        with cls._lock:
            cls._global.update(s for s in secrets if s and len(s) >= 4)

    def redact(self, text: object) -> str:
        return redact_text(str(text), self._secrets | self._global)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in sorted(set(secrets) | Redactor._global, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PARAM_RE.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _AUTH_RE.sub(lambda m: f"{m.group(1)}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with secrets masked (attach to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to crash on
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach a `RedactingFilter` to every handler of `logger` (root by default)."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
