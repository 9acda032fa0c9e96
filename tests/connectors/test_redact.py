"""Redaction helpers (end-to-end token secrecy is tested against the sandbox)."""

from __future__ import annotations

import logging

from connectors.redact import RedactingFilter, Redactor, redact_text


def test_known_secret_and_credential_parameters_are_masked():
    redactor = Redactor(["EAAGsecretTOKEN123"])
    text = "GET https://h/v25.0/me?fields=id&access_token=EAAGsecretTOKEN123&after=x"
    assert redactor.redact(text) == "GET https://h/v25.0/me?fields=id&access_token=***&after=x"
    assert "zzz" not in redact_text("url?client_secret=zzz&token=abc")
    assert "abc123" not in redact_text("{'Authorization': 'Bearer abc123'}")


def test_log_filter_masks_registered_secrets(caplog):
    Redactor(["S3cr3t-token-value"])
    logger = logging.getLogger("ruche.test.redact")
    handler = logging.Handler()
    seen = []
    handler.emit = lambda record: seen.append(record.getMessage())
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("token is %s", "S3cr3t-token-value")
    finally:
        logger.removeHandler(handler)
    assert seen == ["token is ***"]
