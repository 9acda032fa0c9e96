#!/usr/bin/env bash
# Installs the system services `make stack-test` runs (ruche/stack.py): Debian's PostgreSQL
# server (Airflow's metadata database) and Redis server (the Celery broker). Idempotent: installs
# only what is missing. Skips, saying why, where apt-get cannot be used, and exits 0 then: the
# stack test itself names what is missing and how to install it.
set -uo pipefail

have_postgres() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
have_redis() { command -v redis-server >/dev/null 2>&1; }

missing=()
have_postgres || missing+=(postgresql)
have_redis || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then
    echo "stack: PostgreSQL and Redis already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "stack: ${missing[*]} not installed and apt-get is not available here (not Debian/Ubuntu):" \
        "install PostgreSQL and Redis with this system's package manager to run make stack-test"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "stack: ${missing[*]} not installed, and installing needs root" \
            "(apt-get install ${missing[*]}): run this script as root or with sudo"
        exit 0
    fi
fi
echo "stack: installing Debian's ${missing[*]} (apt-get install)…"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d: do not start the packages' system services. The stack test starts its own
# throwaway PostgreSQL cluster and Redis server on free loopback ports, and stops them.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" \
        && created_policy=1
fi
status=0
{ $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    || status=$?
if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
if [ "$status" -ne 0 ]; then
    echo "stack: apt-get could not install ${missing[*]} (no package source reachable?)"
    exit 0
fi
have_postgres && echo "stack: PostgreSQL $(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1) installed"
have_redis && redis-server --version
