-- Up Migration
--
-- A remediation that executed nothing (its WorkflowExecution was rejected by validation or refused before
-- its PipelineRun, or its RemediationRequest never got one) is recorded with status `no_execution` and no
-- score or confidence, as upstream's monitor records it (ADR-EM-001 §5: `no_execution`, score null). Only
-- those rows may lack them, so a query over scores never meets a null from a scored remediation, and a
-- `no_execution` row can never carry a score that something could count.

ALTER TABLE effectiveness_assessments
  DROP CONSTRAINT effectiveness_assessments_status_check,
  ADD CONSTRAINT effectiveness_assessments_status_check
    CHECK (status IN ('assessed', 'insufficient_data', 'ineffective_loop', 'no_execution')),
  ALTER COLUMN score DROP NOT NULL,
  ALTER COLUMN confidence DROP NOT NULL,
  ADD CONSTRAINT effectiveness_assessments_unscored_check
    CHECK ((status = 'no_execution') = (score IS NULL) AND (score IS NULL) = (confidence IS NULL));

COMMENT ON COLUMN effectiveness_assessments.score IS
  'Traditional score in [0, 1]; NULL exactly when status is no_execution (nothing executed, nothing scored).';

-- Down Migration

DELETE FROM effectiveness_assessments WHERE status = 'no_execution';
ALTER TABLE effectiveness_assessments
  DROP CONSTRAINT effectiveness_assessments_unscored_check,
  ALTER COLUMN score SET NOT NULL,
  ALTER COLUMN confidence SET NOT NULL,
  DROP CONSTRAINT effectiveness_assessments_status_check,
  ADD CONSTRAINT effectiveness_assessments_status_check
    CHECK (status IN ('assessed', 'insufficient_data', 'ineffective_loop'));
COMMENT ON COLUMN effectiveness_assessments.score IS NULL;
