#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the offline docs check
# (tests/e2e/test_docs_in_browser.py, `make browser-check`). Idempotent: does nothing when
# `chromium` is already on PATH. Skips, saying why, where apt-get cannot be used; exits 0 then,
# so `make test` still runs (the browser test skips with the same reason).
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
    echo "chromium: already installed ($(chromium --version 2>/dev/null | head -1))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: not installed and apt-get is not available here (not Debian/Ubuntu):" \
        "install Chromium with this system's package manager to run the browser check"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "chromium: not installed, and installing it needs root (apt-get install chromium):" \
            "run this script as root or with sudo to run the browser check"
        exit 0
    fi
fi
echo "chromium: installing Debian's package (apt-get install chromium)…"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium; }
then
    echo "chromium: apt-get could not install it (no package source reachable?):" \
        "the browser check will be skipped"
    exit 0
fi
chromium --version
