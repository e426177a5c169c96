-- Up Migration
--
-- Data Storage schema (DESIGN.md §4): the action history every WorkflowExecution step writes exactly
-- once, and one effectiveness assessment per remediation. Applied by node-pg-migrate (SQL files need no
-- TypeScript loader); src/datastorage/README.md explains the choices summarised here.
--
-- action_records is range-partitioned by month on execution_started_at: the start time of the whole
-- WorkflowExecution, fixed once by the workflow (its creationTimestamp) and sent unchanged with every
-- write of every step. PostgreSQL can only enforce a unique key on a partitioned table when the key
-- contains the partition key, so the idempotency key (wfe_uid, step_name) is enforced as
-- (wfe_uid, step_name, execution_started_at): unique across partitions because a WFE's start time
-- never changes. All time-window queries filter on the same column, so they touch only the months
-- they need.
--
-- There is no DEFAULT partition: with one, every new month would have to scan it (and fail if it held
-- rows of that month) and DETACH ... CONCURRENTLY, which retention relies on, would be refused. Months
-- are created ahead by action_records_ensure_partitions() (on migrate/start and by
-- `npm run datastorage -- maintain-partitions`), and the repository creates a missing month on demand.

CREATE TABLE action_records (
  wfe_uid               text        NOT NULL,
  wfe_namespace         text        NOT NULL,
  wfe_name              text        NOT NULL,
  remediation_id        text        NOT NULL,
  remediation_namespace text        NOT NULL,
  remediation_name      text        NOT NULL,
  temporal_workflow_id  text        NOT NULL,
  temporal_run_id       text        NOT NULL,
  step_name             text        NOT NULL,
  action_type           text        NOT NULL,
  image                 text        NOT NULL,
  inputs                jsonb       NOT NULL DEFAULT '{}'::jsonb,
  target                text        NOT NULL,
  status                text        NOT NULL,
  execution_started_at  timestamptz NOT NULL,
  started_at            timestamptz,
  completed_at          timestamptz,
  duration_ms           bigint,
  failure_reason        text,
  failure_message       text,
  exit_code             integer,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT action_records_status_check
    CHECK (status IN ('executing', 'succeeded', 'failed', 'cancelled', 'skipped')),
  CONSTRAINT action_records_duration_check CHECK (duration_ms IS NULL OR duration_ms >= 0),
  CONSTRAINT action_records_pkey PRIMARY KEY (wfe_uid, step_name, execution_started_at)
) PARTITION BY RANGE (execution_started_at);

COMMENT ON TABLE action_records IS
  'One row per WorkflowExecution step, written exactly once (idempotent on wfe_uid, step_name). Monthly partitions on execution_started_at.';
COMMENT ON COLUMN action_records.execution_started_at IS
  'Start of the whole WorkflowExecution, fixed by the workflow and identical for every step and every write: the partition key.';

-- History by action type over a time window (effectiveness: 90 days of one or more action types).
-- status is carried in the index so counting outcomes is an index-only scan.
CREATE INDEX action_records_action_type_time_idx
  ON action_records (action_type, execution_started_at) INCLUDE (status);
-- Recent remediations of one target (+ action type): recurrence / ineffective-loop detection.
CREATE INDEX action_records_target_time_idx
  ON action_records (target, action_type, execution_started_at);
-- Everything a remediation did. (By WFE: the primary key starts with wfe_uid.)
CREATE INDEX action_records_remediation_idx
  ON action_records (remediation_id);

-- Creates the monthly partitions covering [p_from, p_to] (UTC months, both ends included) that do not
-- exist yet and returns their names. Each month is created as a plain table and then ATTACHed: ATTACH
-- takes only a SHARE UPDATE EXCLUSIVE lock on action_records (reads and writes go on), whereas
-- CREATE TABLE ... PARTITION OF would take an ACCESS EXCLUSIVE one. Concurrent callers (the stack, every
-- worker start, on-demand creation) are serialised by a transaction-scoped advisory lock.
CREATE FUNCTION action_records_ensure_partitions(p_from timestamptz, p_to timestamptz)
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  month_start timestamp;  -- UTC wall-clock month start
  last_month  timestamp;
  part_name   text;
  lower_bound timestamptz;
  upper_bound timestamptz;
BEGIN
  IF p_from IS NULL OR p_to IS NULL OR p_to < p_from THEN
    RAISE EXCEPTION 'action_records_ensure_partitions: need p_from <= p_to, got % .. %', p_from, p_to
      USING ERRCODE = '22023';
  END IF;
  month_start := date_trunc('month', p_from AT TIME ZONE 'UTC');
  last_month  := date_trunc('month', p_to AT TIME ZONE 'UTC');
  IF last_month > month_start + interval '10 years' THEN
    RAISE EXCEPTION 'action_records_ensure_partitions: refusing to create more than 10 years of partitions (% .. %)',
      p_from, p_to USING ERRCODE = '22023';
  END IF;

  PERFORM pg_advisory_xact_lock(hashtext('kubernaut.action_records.partitions'));

  WHILE month_start <= last_month LOOP
    part_name   := 'action_records_' || to_char(month_start, 'YYYY_MM');
    lower_bound := month_start AT TIME ZONE 'UTC';
    upper_bound := (month_start + interval '1 month') AT TIME ZONE 'UTC';
    IF to_regclass(format('%I.%I', current_schema(), part_name)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE action_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part_name);
      -- Proves the bound up front so ATTACH does not need to scan (the table is empty anyway).
      EXECUTE format(
        'ALTER TABLE %I ADD CONSTRAINT %I CHECK (execution_started_at >= %L AND execution_started_at < %L)',
        part_name, part_name || '_bound', lower_bound, upper_bound);
      EXECUTE format('ALTER TABLE action_records ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part_name, lower_bound, upper_bound);
      EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part_name, part_name || '_bound');
      RETURN NEXT part_name;
    END IF;
    month_start := month_start + interval '1 month';
  END LOOP;
END;
$$;

-- The partitions with their bounds, read back from the catalog (retention and maintenance use it).
-- detach_pending marks a DETACH ... CONCURRENTLY that was interrupted and must be finalized.
CREATE VIEW action_record_partitions AS
SELECT child.relname::text AS name,
       bounds[1]::timestamptz AS range_start,
       bounds[2]::timestamptz AS range_end,
       inh.inhdetachpending AS detach_pending
FROM pg_inherits inh
JOIN pg_class parent ON parent.oid = inh.inhparent
JOIN pg_class child ON child.oid = inh.inhrelid
CROSS JOIN LATERAL regexp_match(
  pg_get_expr(child.relpartbound, child.oid),
  'FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS bounds
WHERE parent.oid = to_regclass(format('%I.%I', current_schema(), 'action_records'));

CREATE TABLE effectiveness_assessments (
  remediation_id   text             NOT NULL,
  target           text             NOT NULL,
  action_types     text[]           NOT NULL,
  status           text             NOT NULL,
  ineffective_loop boolean          NOT NULL,
  score            double precision NOT NULL,
  confidence       double precision NOT NULL,
  trend            text             NOT NULL,
  sample_size      integer          NOT NULL,
  data_age_ms      bigint           NOT NULL,
  window_since     timestamptz      NOT NULL,
  window_until     timestamptz      NOT NULL,
  recurrence       jsonb            NOT NULL DEFAULT '[]'::jsonb,
  per_action_type  jsonb            NOT NULL DEFAULT '{}'::jsonb,
  assessed_at      timestamptz      NOT NULL,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  CONSTRAINT effectiveness_assessments_pkey PRIMARY KEY (remediation_id),
  CONSTRAINT effectiveness_assessments_status_check
    CHECK (status IN ('assessed', 'insufficient_data', 'ineffective_loop')),
  CONSTRAINT effectiveness_assessments_trend_check
    CHECK (trend IN ('improving', 'declining', 'stable', 'insufficient_data')),
  CONSTRAINT effectiveness_assessments_score_check CHECK (score >= 0 AND score <= 1),
  CONSTRAINT effectiveness_assessments_confidence_check CHECK (confidence >= 0 AND confidence <= 1),
  CONSTRAINT effectiveness_assessments_sample_size_check CHECK (sample_size >= 0),
  CONSTRAINT effectiveness_assessments_window_check CHECK (window_since <= window_until)
);

COMMENT ON TABLE effectiveness_assessments IS
  'One assessment per remediation, written once: a second write for the same remediation keeps the first.';

CREATE INDEX effectiveness_assessments_target_idx ON effectiveness_assessments (target, assessed_at);

-- Down Migration

DROP TABLE effectiveness_assessments;
DROP VIEW action_record_partitions;
DROP FUNCTION action_records_ensure_partitions(timestamptz, timestamptz);
DROP TABLE action_records;
