#!/bin/sh
# Creates the key store's own role and database on the compose PostgreSQL (keystore/postgres.ts migrates its schema
# when the worker or the API starts). Idempotent: safe on every `docker compose up`; a changed password is applied.
set -eu
pw=$(printf '%s' "$EKYC_KEY_STORE_URL" | sed -n 's|^postgres[a-z]*://ekyc_keys:\([A-Za-z0-9]*\)@.*|\1|p')
[ -n "$pw" ] || { echo 'EKYC_KEY_STORE_URL: must be postgres://ekyc_keys:<letters and digits>@<host>/ekyc_keys' >&2; exit 1; }
until pg_isready -q; do echo 'waiting for PostgreSQL'; sleep 2; done
psql -v ON_ERROR_STOP=1 -v pw="$pw" <<'SQL'
SELECT format('CREATE ROLE ekyc_keys LOGIN PASSWORD %L', :'pw')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ekyc_keys') \gexec
SELECT format('ALTER ROLE ekyc_keys PASSWORD %L', :'pw') \gexec
SELECT 'CREATE DATABASE ekyc_keys OWNER ekyc_keys'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ekyc_keys') \gexec
REVOKE ALL ON DATABASE ekyc_keys FROM PUBLIC;
SQL
echo 'key store database and role are ready'
