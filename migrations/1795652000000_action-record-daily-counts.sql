-- Up Migration
--
-- Daily outcome counts per action type, kept in step with action_records by statement-level triggers.
--
-- Why: the effectiveness model counts outcomes of an action type over 90 days on every assessment. On
-- the raw table that is an index scan over every record of the window (about 100,000 per action type at
-- 10 million records), which grows with the history; with these counts it is at most 90 rows per
-- status plus the records of the two partial days at the window's ends, whatever the history size.
--
-- The triggers see every write (the repository's upserts, bulk loads, manual fixes) through transition
-- tables and apply the net change of the whole statement in one upsert, in key order so concurrent
-- writers lock count rows in the same order. Retention drops partitions (no trigger fires) and then
-- deletes the counts of the days it dropped.

CREATE TABLE action_record_daily_counts (
  action_type text   NOT NULL,
  day         date   NOT NULL, -- UTC day of execution_started_at
  status      text   NOT NULL,
  records     bigint NOT NULL,
  CONSTRAINT action_record_daily_counts_pkey PRIMARY KEY (action_type, day, status)
);

COMMENT ON TABLE action_record_daily_counts IS
  'Number of action_records per action type, UTC day of execution_started_at and status; maintained by triggers on action_records.';

CREATE FUNCTION action_record_daily_counts_apply() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO action_record_daily_counts AS c (action_type, day, status, records)
    SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date, status, count(*)
    FROM new_rows
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (action_type, day, status) DO UPDATE SET records = c.records + excluded.records;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO action_record_daily_counts AS c (action_type, day, status, records)
    SELECT action_type, day, status, sum(delta)
    FROM (
      SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date AS day, status, -1 AS delta FROM old_rows
      UNION ALL
      SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date, status, 1 FROM new_rows
    ) changes
    GROUP BY 1, 2, 3
    HAVING sum(delta) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT (action_type, day, status) DO UPDATE SET records = c.records + excluded.records;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO action_record_daily_counts AS c (action_type, day, status, records)
    SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date, status, -count(*)
    FROM old_rows
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (action_type, day, status) DO UPDATE SET records = c.records + excluded.records;
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER action_record_daily_counts_insert
  AFTER INSERT ON action_records REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION action_record_daily_counts_apply();
CREATE TRIGGER action_record_daily_counts_update
  AFTER UPDATE ON action_records REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION action_record_daily_counts_apply();
CREATE TRIGGER action_record_daily_counts_delete
  AFTER DELETE ON action_records REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION action_record_daily_counts_apply();

-- Existing records (writes wait until the migration commits, so none is counted twice or missed).
LOCK TABLE action_records IN SHARE MODE;
INSERT INTO action_record_daily_counts (action_type, day, status, records)
SELECT action_type, (execution_started_at AT TIME ZONE 'UTC')::date, status, count(*)
FROM action_records
GROUP BY 1, 2, 3;

-- Down Migration

DROP TRIGGER action_record_daily_counts_delete ON action_records;
DROP TRIGGER action_record_daily_counts_update ON action_records;
DROP TRIGGER action_record_daily_counts_insert ON action_records;
DROP FUNCTION action_record_daily_counts_apply();
DROP TABLE action_record_daily_counts;
