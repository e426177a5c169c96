#!/bin/sh
# Applies (or upgrades) Temporal's PostgreSQL schemas, run by the temporal-schema service of
# docker-compose.yml in the temporalio/admin-tools image before the server starts.
# Idempotent: setup-schema leaves a database whose schema is already past 0.0 alone, and update-schema
# applies only the versions newer than the database's. The databases themselves are created by
# docker/postgres/init/10-databases.sql. The password comes from SQL_PASSWORD (read by temporal-sql-tool).
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must name the PostgreSQL user}"
: "${SQL_PASSWORD:?SQL_PASSWORD must hold the PostgreSQL password}"
port="${DB_PORT:-5432}"
schema_root=/etc/temporal/schema/postgresql/v12

apply() { # <database> <schema folder>
  echo "temporal-schema: $1 <- $2"
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --db "$1" \
    setup-schema -v 0.0
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --db "$1" \
    update-schema -d "$schema_root/$2/versioned"
}

apply "${DBNAME:-temporal}" temporal
apply "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "temporal-schema: done"
