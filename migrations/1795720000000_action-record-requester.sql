-- Up Migration
--
-- Who asked: the user name that created the WorkflowExecution a record belongs to, taken from its
-- kubernaut.ai/requested-by annotation. Where the admission policy of deploy/admission/ is installed the
-- API server accepts that annotation only with the creator's own name and never lets it change; without
-- the policy it is the creator's claim (SECURITY.md, "Who asked"). NULL when the WorkflowExecution did not
-- say, and for records written before this column existed.
--
-- Nullable without a default: adding it changes only the catalogue (no table rewrite, no partition
-- scan), and partitions created later inherit it (they are created LIKE action_records).

ALTER TABLE action_records ADD COLUMN requested_by text;

COMMENT ON COLUMN action_records.requested_by IS
  'User name that created the WorkflowExecution (annotation kubernaut.ai/requested-by, checked at admission where the policy is installed); NULL when unknown.';

-- Down Migration

ALTER TABLE action_records DROP COLUMN requested_by;
