/**
 * One-line summaries of non-message events for the timeline's Summary column: what happened,
 * to whom, and the reason when there is one.
 */
import type { WireEvent } from '../events/wire-event';
import { formatDuration } from './format';

export type NameOf = (pid: number) => string;

export function lifecycleSummary(event: WireEvent, nameOf: NameOf): string {
  switch (event.kind) {
    case 'job-loaded': {
      const { job } = event;
      const serves = job.machServices.length > 0 ? `, serves ${job.machServices.join(', ')}` : '';
      const warn = event.warnings.length > 0 ? ` — ${event.warnings.length} warning${event.warnings.length === 1 ? '' : 's'}: ${event.warnings.join('; ')}` : '';
      return `Loaded ${job.kind} ${job.label}${serves}${warn}`;
    }
    case 'job-failed':
      return `Job file ${event.file} failed${event.key !== undefined ? ` at key ${event.key}` : ''}: ${event.error}`;
    case 'process-launched': {
      const details: string[] = [event.reason];
      if (event.boosted) details.push('boosted');
      if (event.forClientPid !== undefined) details.push(`for client ${nameOf(event.forClientPid)}`);
      if (event.triggerMessageId !== undefined) details.push(`by message #${event.triggerMessageId}`);
      return `Launched ${event.job} as pid ${event.pid} (${details.join(', ')})`;
    }
    case 'process-exited': {
      const who = event.job !== undefined ? `${event.job} (pid ${event.pid})` : nameOf(event.pid);
      const held = event.transactionsHeld > 0 ? ` holding ${event.transactionsHeld} transaction${event.transactionsHeld === 1 ? '' : 's'}` : '';
      return `${who} ${exitVerb(event.reason)}${held}: ${event.description}`;
    }
    case 'process-attached': {
      const p = event.process;
      return `Attached ${p.name} (pid ${p.pid}, uid ${p.uid}, ${event.processType}${event.job !== undefined ? `, job ${event.job}` : ''})`;
    }
    case 'process-detached':
      return `Detached ${nameOf(event.pid)}: ${event.reason}`;
    case 'process-output':
      return event.text.replace(/\s+$/, '');
    case 'launch-throttled':
      return `Launch of ${event.job} throttled for ${formatDuration(event.delayNs)}`;
    case 'connection-opened': {
      const flags: string[] = [event.api];
      if (event.privileged) flags.push('privileged');
      if (event.viaEndpoint) flags.push('via endpoint');
      return `${nameOf(event.clientPid)} opened connection ${event.connection} to ${event.service} (${flags.join(', ')})`;
    }
    case 'connection-state': {
      const suspended = event.state === 'suspended' ? ` (suspend count ${event.suspendCount})` : '';
      const retry = event.retryable === undefined ? '' : event.retryable ? ' — retry may help' : ' — retry will not help';
      return `Connection ${event.connection} ${event.state}${suspended}${event.reason !== undefined ? `: ${event.reason}` : ''}${retry}`;
    }
    case 'connection-bound':
      return `Connection ${event.connection} bound to ${event.job} (pid ${event.servicePid})`;
    case 'peer-rejected':
      return `Peer requirement rejected ${nameOf(event.clientPid)} on connection ${event.connection}: ${event.reason}`;
    case 'message-dropped':
      return `Message #${event.message} dropped: ${event.reason}`;
    case 'reply-failed':
      return `${event.error} instead of a reply to #${event.request}: ${event.reason}`;
    case 'idle':
      return `${event.job} (pid ${event.pid}) is idle`;
    case 'transaction-long-held': {
      const oldest = [event.oldestCause, event.message !== undefined ? `message #${event.message}` : undefined].filter((x) => x !== undefined);
      const detail = oldest.length > 0 ? ` (oldest: ${oldest.join(', ')})` : '';
      return `${event.job ?? nameOf(event.pid)} (pid ${event.pid}) holds ${event.count} transaction${event.count === 1 ? '' : 's'}; the oldest for ${formatDuration(event.heldNs)}${detail}`;
    }
    case 'termination-imminent':
      return `Termination imminent for ${event.job} (pid ${event.pid}), ${event.transactionsHeld} transaction${event.transactionsHeld === 1 ? '' : 's'} still held`;
    default:
      return event.kind;
  }
}

function exitVerb(reason: string): string {
  switch (reason) {
    case 'crashed':
      return 'crashed';
    case 'idle-exit':
      return 'exited when idle';
    case 'terminated':
      return 'was terminated';
    case 'client-exited':
      return 'exited with its client';
    case 'launch-failed':
      return 'failed to launch';
    default:
      return 'exited';
  }
}
