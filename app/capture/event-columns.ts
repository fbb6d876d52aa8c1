/**
 * The columns of the event table when a capture is exported as CSV: one row per event, with the
 * identifiers every kind shares (pid, connection, message, service/job) pulled into their own
 * columns and the rest summarised in `detail`.
 */
import type { WireEvent } from '../events/wire-event';
import type { CsvColumn } from './csv';

interface EventCells {
  readonly pid?: number;
  readonly peerPid?: number;
  readonly connection?: number;
  readonly message?: number;
  readonly service?: string;
  readonly detail: string;
}

/** The shared identifiers and a one-line description of one event. */
export function eventCells(event: WireEvent): EventCells {
  switch (event.kind) {
    case 'job-loaded':
      return { service: event.job.label, detail: `${event.job.kind} ${event.job.program}${event.warnings.length ? ` (${event.warnings.length} warnings)` : ''}` };
    case 'job-failed':
      return { detail: `${event.file}${event.key ? ` ${event.key}` : ''}: ${event.error}` };
    case 'process-launched':
      return {
        pid: event.pid,
        peerPid: event.forClientPid,
        message: event.triggerMessageId,
        service: event.job,
        detail: `${event.reason}${event.boosted ? ', boosted' : ''}`,
      };
    case 'process-exited':
      return {
        pid: event.pid,
        service: event.job,
        detail: `${event.reason}: ${event.description}${event.transactionsHeld ? ` (held ${event.transactionsHeld} transactions)` : ''}`,
      };
    case 'process-attached':
      return { pid: event.process.pid, service: event.job, detail: `${event.process.name} (${event.processType}, uid ${event.process.uid})` };
    case 'process-detached':
      return { pid: event.pid, detail: event.reason };
    case 'process-output':
      return { pid: event.pid, service: event.job, detail: `${event.stream}: ${event.text}` };
    case 'launch-throttled':
      return { service: event.job, detail: `next launch in ${event.delayNs / 1e6} ms` };
    case 'connection-opened':
      return {
        pid: event.clientPid,
        connection: event.connection,
        service: event.service,
        detail: `${event.api}${event.privileged ? ', privileged' : ''}${event.viaEndpoint ? ', via endpoint' : ''}`,
      };
    case 'connection-state':
      return { connection: event.connection, detail: `${event.state}${event.reason ? `: ${event.reason}` : ''}` };
    case 'connection-bound':
      return { connection: event.connection, peerPid: event.servicePid, service: event.job, detail: `bound to pid ${event.servicePid}` };
    case 'peer-rejected':
      return { pid: event.clientPid, connection: event.connection, detail: event.reason };
    case 'message-sent':
      return {
        pid: event.fromPid,
        peerPid: event.toPid,
        connection: event.connection,
        message: event.message,
        service: event.service,
        detail: `${event.messageKind}${event.inReplyTo !== undefined ? ` to #${event.inReplyTo}` : ''} ${event.size} bytes: ${event.summary}`,
      };
    case 'message-delivered':
      return { peerPid: event.toPid, message: event.message, detail: `delivered to pid ${event.toPid}` };
    case 'message-handled':
      return { pid: event.pid, message: event.message, detail: `handled in ${event.durationNs / 1e6} ms` };
    case 'reply-created':
      return { pid: event.pid, message: event.request, detail: `reply to #${event.request} created` };
    case 'reply-received':
      return { peerPid: event.toPid, message: event.reply, detail: `reply to #${event.request} after ${event.latencyNs / 1e6} ms` };
    case 'reply-failed':
      return { peerPid: event.toPid, message: event.request, detail: `${event.error}: ${event.reason}` };
    case 'message-dropped':
      return { message: event.message, detail: event.reason };
    case 'transaction':
      return { pid: event.pid, message: event.message, service: event.job, detail: `${event.delta > 0 ? '+1' : '-1'} → ${event.count} (${event.cause})` };
    case 'idle':
      return { pid: event.pid, service: event.job, detail: 'idle' };
    case 'transaction-long-held':
      return { pid: event.pid, service: event.job, detail: `${event.count} held for ${event.heldNs / 1e6} ms` };
    case 'termination-imminent':
      return { pid: event.pid, service: event.job, detail: `termination imminent with ${event.transactionsHeld} transactions` };
    case 'boost':
      return { pid: event.pid, message: event.message, service: event.job, detail: `${event.delta > 0 ? '+1' : '-1'} → ${event.count} (${event.cause})` };
  }
}

/** One row of the event table: the event and its cells, computed once. */
export interface EventRow extends EventCells {
  readonly event: WireEvent;
}

export function eventRow(event: WireEvent): EventRow {
  return { event, ...eventCells(event) };
}

/** Default CSV columns of an exported capture. */
export const EVENT_CSV_COLUMNS: readonly CsvColumn<EventRow>[] = [
  { title: 'seq', value: (r) => r.event.seq },
  { title: 'time_ms', value: (r) => (r.event.t / 1e6).toFixed(3) },
  { title: 'kind', value: (r) => r.event.kind },
  { title: 'pid', value: (r) => r.pid },
  { title: 'peer_pid', value: (r) => r.peerPid },
  { title: 'connection', value: (r) => r.connection },
  { title: 'message', value: (r) => r.message },
  { title: 'service', value: (r) => r.service },
  { title: 'detail', value: (r) => r.detail },
];
