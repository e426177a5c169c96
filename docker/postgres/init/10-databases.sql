-- Runs once, when the PostgreSQL container starts on an empty data volume (docker-entrypoint-initdb.d),
-- as the superuser named by POSTGRES_USER ("temporal" in docker-compose.yml).
-- Temporal's two databases, owned by that user; their schemas are applied by the temporal-schema service.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
-- Kubernaut's Data Storage: its own role, which owns its database and nothing else. The worker applies
-- the migrations in migrations/ at start (KUBERNAUT_MIGRATE_ON_START). Development credentials: this
-- file serves docker compose on a workstation only.
CREATE ROLE kubernaut LOGIN PASSWORD 'kubernaut';
CREATE DATABASE kubernaut OWNER kubernaut;
-- The Data Storage API reads only: its login role is a member of the group role the migrations grant
-- SELECT to (migrations/*_datastorage-api-reader.sql). The group is created here because the worker's
-- role, which applies the migrations, may not create roles.
CREATE ROLE kubernaut_datastorage_reader NOLOGIN;
CREATE ROLE kubernaut_api LOGIN PASSWORD 'kubernaut_api' IN ROLE kubernaut_datastorage_reader;
