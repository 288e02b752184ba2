#!/bin/sh
# Creates (or upgrades) Temporal's two PostgreSQL databases, temporal and temporal_visibility. Idempotent: safe on
# every `docker compose up` and every `npm run cluster`. It runs in the compose `temporal-schema` service (the
# temporalio/admin-tools image: tool on PATH, schema under /etc/temporal/schema) and natively (`npm run cluster`
# hands it the built tool and the module's schema folder).
#
# Environment: POSTGRES_SEEDS (required, host), DB_PORT (5432), POSTGRES_USER (required), POSTGRES_PWD (the
# password; handed to the tool as SQL_PASSWORD, never on its command line), TEMPORAL_SQL_TOOL (temporal-sql-tool
# on PATH), TEMPORAL_SCHEMA_DIR (/etc/temporal/schema/postgresql/v12; when that folder is absent the schema compiled
# into the tool is used), SETUP_MAX_TRIES (30, two seconds apart, while PostgreSQL does not answer yet).
set -eu

host="${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
user="${POSTGRES_USER:?POSTGRES_USER is required}"
port="${DB_PORT:-5432}"
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
max_tries="${SETUP_MAX_TRIES:-30}"
SQL_PASSWORD="${POSTGRES_PWD:-${SQL_PASSWORD:-}}"
export SQL_PASSWORD

log() { echo "setup-postgres: $*"; }
fail() {
  echo "setup-postgres: error: $*" >&2
  exit 1
}
command -v "$tool" >/dev/null 2>&1 || fail "$tool not found (set TEMPORAL_SQL_TOOL)"
sql() { "$tool" --plugin postgres12 --ep "$host" -p "$port" -u "$user" "$@"; }

for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  # Creating the database is also the wait for PostgreSQL: "already exists" is done, a refused connection is retried.
  tries=0
  until out=$(sql --db "$db" create-database 2>&1); do
    case "$out" in
      *"already exists"*) break ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt "$max_tries" ] || fail "could not create database $db on $host:$port: $(printf '%s' "$out" | tail -n 3)"
    log "waiting for PostgreSQL at $host:$port ($tries)"
    sleep 2
  done
  # Version tables only; an existing schema keeps its version.
  sql --db "$db" setup-schema -v 0.0
  if [ -d "$schema/$dir/versioned" ]; then
    sql --db "$db" update-schema -d "$schema/$dir/versioned"
  else
    sql --db "$db" update-schema --schema-name "postgresql/v12/$dir"
  fi
  log "database $db is up to date"
done
log 'Temporal schema is up to date'
