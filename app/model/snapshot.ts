/**
 * A JSON-safe copy of the model's derived state at one moment: what the host reports for a
 * status request and what an export writes next to the events.
 */
import type { ConnectionRecord, JobError, ModelTotals, OutstandingReply, ProcessRecord, ServiceRecord } from './entities';
import type { InspectorModel } from './inspector-model';

export interface ModelSnapshot {
  readonly totals: ModelTotals;
  readonly rowsInView: number;
  readonly rowsDroppedFromView: number;
  readonly services: readonly ServiceRecord[];
  readonly processes: readonly Omit<ProcessRecord, 'output'>[];
  readonly connections: readonly ConnectionRecord[];
  readonly outstandingReplies: readonly OutstandingReply[];
  readonly jobErrors: readonly JobError[];
}

export function modelSnapshot(model: InspectorModel): ModelSnapshot {
  return structuredCopy({
    totals: model.totals,
    rowsInView: model.rows.count,
    rowsDroppedFromView: model.rows.droppedFromView,
    services: model.services(),
    processes: model.processes().map(({ output: _output, ...rest }) => rest),
    connections: model.connections(),
    outstandingReplies: model.outstandingReplies(),
    jobErrors: model.jobErrors(),
  });
}

/** Records hold only JSON data, so a JSON round trip is a faithful deep copy. */
function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
