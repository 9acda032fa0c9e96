"""The delivery settings in the client configuration: defaults, and one line per mistake."""

from __future__ import annotations

import pytest
import yaml

from ruche.config import ConfigError, parse_config

from ..conftest import DEMO_CONFIG, ROOT


def test_the_template_documents_delivery_and_the_demo_needs_none():
    template = yaml.safe_load((ROOT / "config" / "clients.yml").read_text(encoding="utf-8"))
    config = parse_config(template, "clients.yml")
    assert config.notifications.smtp.security == "starttls"
    assert config.clients[0].digest.recipients == ["community@example.org"]
    demo = parse_config(yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8")), "demo")
    assert demo.notifications.smtp is None
    assert all(c.digest.recipients == [] for c in demo.clients)
    assert demo.clients[0].digest.spikes.mad_factor == 3.5


def test_delivery_mistakes_are_listed_with_their_paths():
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["notifications"] = {
        "smtp": {"host": "mail", "port": 70000, "security": "ssl", "sender": "r@a.b"},
        "chat_urls_env": "slack://secret-token",
    }
    data["clients"][1]["digest"] = {
        "recipients": ["cm@agency.example", "nobody"],
        "languages": ["de"],
        "spikes": {"min_comments": 0},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "clients.yml")
    text = str(caught.value)
    for expected in (
        "notifications.smtp.port:",
        "notifications.smtp.security:",
        "notifications.chat_urls_env:",  # a URL (a secret) where an env var name is expected
        "clients[1].digest.recipients: expected e-mail addresses such as "
        "'cm@agency.example', got 'nobody'",
        "clients[1].digest.languages[0]:",
        "clients[1].digest.spikes.min_comments:",
    ):
        assert expected in text, (expected, text)
