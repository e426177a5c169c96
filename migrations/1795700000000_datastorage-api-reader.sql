-- Up Migration
--
-- What the read-only Data Storage API (src/datastorage-api) needs from the schema:
--
-- 1. A group role that can only read: kubernaut_datastorage_reader (NOLOGIN). The API connects as a
--    login role that is a member of it (created by the operator: src/datastorage-api/README.md), so it
--    can SELECT the history and the assessments and change nothing. Roles belong to the whole server,
--    not to one database: the role is created once (CREATE ROLE needs the CREATEROLE privilege; without
--    it this migration only grants to an existing role and says so in a NOTICE) and every database
--    migrated afterwards grants it SELECT. Privileges on a partitioned table are checked on the parent
--    only, so new monthly partitions need no grant.
-- 2. Indexes for the API's filters that the worker's queries do not cover: action records by the
--    WorkflowExecution's namespace over time, and assessments newest first.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kubernaut_datastorage_reader') THEN
    BEGIN
      CREATE ROLE kubernaut_datastorage_reader NOLOGIN;
    EXCEPTION
      WHEN duplicate_object THEN NULL; -- another database's migration created it just now
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'kubernaut_datastorage_reader not created (no CREATEROLE): create it and re-grant as src/datastorage-api/README.md says';
    END;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kubernaut_datastorage_reader') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO kubernaut_datastorage_reader', current_schema());
    GRANT SELECT ON action_records, action_record_daily_counts, effectiveness_assessments
      TO kubernaut_datastorage_reader;
  END IF;
END;
$$;

-- History of one namespace's WorkflowExecutions, newest first (the API's `namespace` filter).
CREATE INDEX action_records_namespace_time_idx
  ON action_records (wfe_namespace, execution_started_at);
-- Assessments newest first, with or without filters (the API lists them by assessment time).
CREATE INDEX effectiveness_assessments_assessed_at_idx
  ON effectiveness_assessments (assessed_at, remediation_id);

-- Down Migration

DROP INDEX effectiveness_assessments_assessed_at_idx;
DROP INDEX action_records_namespace_time_idx;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'kubernaut_datastorage_reader') THEN
    REVOKE SELECT ON action_records, action_record_daily_counts, effectiveness_assessments
      FROM kubernaut_datastorage_reader;
  END IF;
END;
$$;
