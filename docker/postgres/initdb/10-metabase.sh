#!/usr/bin/env bash
# Creates Metabase's application database (questions, dashboards, users) next to Airflow's
# metadata database. The official postgres image runs this once, when its data volume is empty;
# for an existing volume, run the same two statements by hand (see docker/README.md).
set -euo pipefail

: "${METABASE_DB_NAME:?}" "${METABASE_DB_USER:?}" "${METABASE_DB_PASSWORD:?}"

# psql variables (:"name" identifiers, :'value' literals) quote the values: no SQL injection
# from a password with quotes in it.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v mb_db="$METABASE_DB_NAME" -v mb_user="$METABASE_DB_USER" -v mb_pass="$METABASE_DB_PASSWORD" <<'SQL'
CREATE ROLE :"mb_user" LOGIN PASSWORD :'mb_pass';
CREATE DATABASE :"mb_db" OWNER :"mb_user";
SQL
