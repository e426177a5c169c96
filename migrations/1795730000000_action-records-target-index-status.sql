-- Up Migration
--
-- The target index carries status, as the action-type index already does: counting one target's
-- outcomes per day (the Data Storage API's statistics of a target) and finding where a page of a
-- target's history ends (action-record-search.ts) read the index alone instead of every record.
-- The new index replaces action_records_target_time_idx (same key): two indexes on one key would only
-- cost writes, and leave the planner a choice between equals.
--
-- On a partitioned table CREATE INDEX builds the index of every partition holding a SHARE lock on it:
-- writes of action records wait for that partition's build (about 30 s for 10 million records on two
-- busy cores; worker activities retry a write that times out). To build it without blocking writes on a
-- large table, create it by hand before upgrading, and this migration only drops the old index:
--   CREATE INDEX action_records_target_type_time_idx ON ONLY action_records
--     (target, action_type, execution_started_at) INCLUDE (status);
--   -- for each partition P:
--   CREATE INDEX CONCURRENTLY P_target_type_time_idx ON P (target, action_type, execution_started_at) INCLUDE (status);
--   ALTER INDEX action_records_target_type_time_idx ATTACH PARTITION P_target_type_time_idx;

CREATE INDEX IF NOT EXISTS action_records_target_type_time_idx
  ON action_records (target, action_type, execution_started_at) INCLUDE (status);
DROP INDEX action_records_target_time_idx;

-- Down Migration

CREATE INDEX action_records_target_time_idx
  ON action_records (target, action_type, execution_started_at);
DROP INDEX action_records_target_type_time_idx;
