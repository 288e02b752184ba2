#!/bin/sh
# Creates (or upgrades) Temporal's two PostgreSQL databases. Idempotent: safe on every `docker compose up`.
set -eu
tool="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${DB_PORT} -u ${POSTGRES_USER} --pw ${POSTGRES_PWD}"
schema=/etc/temporal/schema/postgresql/v12
until nc -z "${POSTGRES_SEEDS}" "${DB_PORT}"; do echo 'waiting for PostgreSQL'; sleep 2; done
for db in temporal temporal_visibility; do
  dir=temporal
  [ "$db" = temporal_visibility ] && dir=visibility
  $tool --db "$db" create || true # exists already on a restart
  $tool --db "$db" setup-schema -v 0.0 || true
  $tool --db "$db" update-schema -d "$schema/$dir/versioned"
done
echo 'Temporal schema is up to date'
