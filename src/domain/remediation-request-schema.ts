/**
 * The slice of RemediationRequest this project reads, as zod schemas (DESIGN.md §2): loose objects, so the
 * orchestrator's other fields pass through untouched. Run-time zod stays here, out of workflow code
 * (remediation-request.ts has the phases and the inferred types).
 */
import { z } from 'zod';
import { REMEDIATION_PHASES } from './remediation-request';

export const RemediationTargetSchema = z.looseObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().optional(),
});

export const RemediationRequestSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
  }),
  spec: z.looseObject({
    targetResource: RemediationTargetSchema,
    signalName: z.string(),
  }),
  status: z.looseObject({ overallPhase: z.enum(REMEDIATION_PHASES).optional() }).optional(),
});
