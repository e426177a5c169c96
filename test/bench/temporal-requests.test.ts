/** bench:execution's reading of Temporal's request counters (bench/execution/temporal-requests.ts). */
import { parseTemporalRequests } from '../../bench/execution/temporal-requests';

// As the dev server (temporal CLI 1.5) exposes them at --metrics-port, trimmed.
const EXPOSITION = `# HELP service_requests service_requests counter
# TYPE service_requests counter
service_requests{namespace="bench",operation="PollWorkflowTaskQueue",service_name="frontend"} 12
service_requests{namespace="bench",operation="PollWorkflowTaskQueue",service_name="matching"} 12
service_requests{namespace="bench",operation="StartWorkflowExecution",service_name="frontend"} 3
service_requests{namespace="bench",operation="RecordWorkflowTaskStarted",service_name="history"} 12
service_requests{namespace="other",operation="StartWorkflowExecution",service_name="frontend"} 40
service_requests{namespace="_unknown_",operation="GetSystemInfo",service_name="frontend"} 2
persistence_requests{namespace="bench",operation="UpdateWorkflowExecution",service_name="history"} 20
persistence_requests{namespace="bench",operation="UpdateWorkflowExecution",service_name="matching"} 1
persistence_requests{namespace="bench",operation="CreateWorkflowExecution",service_name="history"} 3
persistence_requests{namespace="other",operation="CreateWorkflowExecution",service_name="history"} 40
action{action_type="grpc_StartWorkflowExecution",namespace="bench",operation="StartWorkflowExecution",service_name="frontend"} 3
action{action_type="command_ScheduleActivityTask",namespace="bench",operation="RespondWorkflowTaskCompleted",service_name="frontend"} 2
action{action_type="command_ScheduleActivityTask",namespace="bench",operation="RespondWorkflowTaskCompleted",service_name="history"} 1
action{action_type="grpc_StartWorkflowExecution",namespace="other",operation="StartWorkflowExecution",service_name="frontend"} 40
activity_eager_execution{namespace="bench",operation="RespondWorkflowTaskCompleted",service_name="history",taskqueue="tq"} 2
activity_eager_execution{namespace="other",operation="RespondWorkflowTaskCompleted",service_name="history",taskqueue="tq"} 9
service_latency_count{namespace="bench",operation="StartWorkflowExecution",service_name="frontend"} 3
service_requests{namespace="bench_exec_1",operation="StartWorkflowExecution",service_name="frontend"} 5
`;

describe('parseTemporalRequests', () => {
  it("counts the namespace's frontend calls, persistence requests, actions and eager tasks, and nothing else", () => {
    expect(parseTemporalRequests(EXPOSITION, 'bench')).toEqual({
      frontend: { PollWorkflowTaskQueue: 12, StartWorkflowExecution: 3 },
      persistence: { UpdateWorkflowExecution: 21, CreateWorkflowExecution: 3 },
      actions: { grpc_StartWorkflowExecution: 3, command_ScheduleActivityTask: 3 },
      eager: { activity: 2 },
    });
  });

  it("finds a namespace under the name the server's metrics give it (hyphens and dots as underscores)", () => {
    expect(parseTemporalRequests(EXPOSITION, 'bench-exec.1').frontend).toEqual({ StartWorkflowExecution: 5 });
  });

  it('gives empty counts for a namespace with no requests', () => {
    expect(parseTemporalRequests(EXPOSITION, 'absent')).toEqual({
      frontend: {},
      persistence: {},
      actions: {},
      eager: {},
    });
  });
});
