/**
 * Services (launchd jobs) and processes: state, pid, live transaction count and what holds it,
 * boosts, launches, crashes and the last exit reason, with a Stop button per running service.
 */
import type { ServiceKind } from '../../../app/events/schema';
import { formatDuration, formatCount, newServiceRecord, type ExitRecord, type ServiceRecord } from '../../../app/model';
import { StopIcon } from '../components/icons';
import { stopService } from '../state/session';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { applyFilterText } from '../timeline/FilterBar';
import { HeldBreakdown } from './HeldBreakdown';

const KIND_LABEL: Readonly<Record<ServiceKind | 'unknown', string>> = {
  'launch-agent': 'Launch agent',
  'launch-daemon': 'Launch daemon',
  'xpc-service': 'XPC service',
  unknown: 'Unknown',
};

export function stateTag(state: string) {
  const color = state === 'running' ? 'green' : state === 'launching' ? 'blue' : state === 'idle' ? 'yellow' : state === 'exiting' ? 'orange' : '';
  return <span className={`tag ${color}`}>{state}</span>;
}

export function exitText(exit: ExitRecord | undefined, now: number) {
  if (exit === undefined) return <span className="faint">—</span>;
  const bad = exit.reason === 'crashed' || exit.reason === 'launch-failed';
  return (
    <span title={exit.description}>
      <span className={`tag ${bad ? 'red' : exit.reason === 'idle-exit' ? 'green' : ''}`}>{exit.reason}</span>{' '}
      <span className={bad ? 'reason' : 'muted'}>{exit.description}</span> <span className="faint">· {formatDuration(Math.max(0, now - exit.t))} ago</span>
    </span>
  );
}

/** Services from the model, plus jobs the host lists that the model has not seen events for. */
export function allServices(): Readonly<ServiceRecord>[] {
  const known = new Map(shown.model.services().map((s) => [s.label, s]));
  const jobs = useUi.getState().jobs;
  const out: Readonly<ServiceRecord>[] = [...known.values()];
  for (const job of jobs) {
    if (known.has(job.label)) continue;
    out.push(newServiceRecord(job.label, job.kind, job));
  }
  return out.sort((a, b) => a.label.localeCompare(b.label));
}

export function ServicesView() {
  useUi((s) => s.tick);
  useUi((s) => s.jobs);
  const setView = useUi((s) => s.setView);
  // A capture is a record: there is no running service to stop.
  const readOnly = useUi((s) => s.session?.mode === 'capture');
  const services = allServices();
  const processes = shown.model.processes().slice().sort((a, b) => Number(a.state === 'exited') - Number(b.state === 'exited') || a.pid - b.pid);
  const now = shown.model.totals.lastT;
  const launched = services.filter((s) => s.state !== 'not-running').length;
  const idle = services.filter((s) => s.state === 'idle').length;

  const showMessages = (label: string) => {
    applyFilterText(`service:${label}`);
    setView('timeline');
  };

  return (
    <div className="split">
      <div className="view-header">
        <h2>Services</h2>
        <span className="summary">
          {launched} of {services.length} launched ({idle} idle) · {formatCount(services.reduce((n, s) => n + s.transactions, 0))} transactions open ·{' '}
          {formatCount(shown.model.outstandingCount)} replies outstanding
        </span>
      </div>
      <div className="view-scroll">
        <table className="list" data-testid="services-table">
          <thead>
            <tr>
              <th>Service</th>
              <th>State</th>
              <th className="num">PID</th>
              <th className="num" title="Live transaction count (what holds it)">Transactions</th>
              <th className="num" title="Active boosts">Boost</th>
              <th className="num" title="Requests still waiting for this service's reply">Awaiting</th>
              <th className="num">Launches</th>
              <th className="num">Crashes</th>
              <th className="num">Idle exits</th>
              <th className="num" title="Messages received / sent">In / Out</th>
              <th>Last exit</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {services.map((service) => (
              <tr key={service.label} data-testid="service-row" data-service={service.label} data-state={service.state} onDoubleClick={() => showMessages(service.label)}>
                <td>
                  <div className="service-name">
                    <span className={`state-dot ${service.state}`} />
                    <span>{service.label}</span>
                    <span className="sub">
                      {KIND_LABEL[service.kind]}
                      {service.job !== undefined && service.job.machServices.some((name) => name !== service.label) && ` · ${service.job.machServices.join(', ')}`}
                    </span>
                    {service.warnings.length > 0 && (
                      <span className="tag orange" title={service.warnings.join('\n')}>
                        {service.warnings.length} warning{service.warnings.length === 1 ? '' : 's'}
                      </span>
                    )}
                  </div>
                </td>
                <td>
                  {stateTag(service.state)}
                  {service.throttledUntil !== undefined && service.throttledUntil > now && <span className="tag orange"> throttled</span>}
                </td>
                <td className="num">{service.pids.length > 0 ? service.pids.join(', ') : <span className="faint">—</span>}</td>
                <td className="num">
                  <strong>{service.transactions}</strong> {service.transactions > 0 && <HeldBreakdown held={service.held} />}
                </td>
                <td className="num">{service.boosts > 0 ? <span className="tag purple">{service.boosts}</span> : <span className="faint">0</span>}</td>
                <td className="num">{service.outstandingReplies > 0 ? <span className="tag orange">{service.outstandingReplies}</span> : <span className="faint">0</span>}</td>
                <td className="num">{service.launches}</td>
                <td className="num">{service.crashes > 0 ? <span className="reason">{service.crashes}</span> : <span className="faint">0</span>}</td>
                <td className="num">{service.idleExits}</td>
                <td className="num">
                  {formatCount(service.messagesIn)} / {formatCount(service.messagesOut)}
                </td>
                <td className="clip">{exitText(service.lastExit, now)}</td>
                <td>
                  <div style={{ display: 'flex', gap: 6 }}>
                    <button type="button" className="push-button small" onClick={() => showMessages(service.label)} title="Show this service's traffic in the timeline">
                      Messages
                    </button>
                    {!readOnly && (
                    <button
                      type="button"
                      className="push-button small destructive"
                      data-testid="stop-service"
                      disabled={service.state === 'not-running' || service.job === undefined}
                      onClick={() => void stopService(service.label)}
                      title={service.transactions > 0 ? `Stop: the service holds ${service.transactions} transactions, so its peers get TERMINATION_IMMINENT first` : 'Stop this service'}
                    >
                      <StopIcon size={9} /> Stop
                    </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
            {services.length === 0 && (
              <tr>
                <td colSpan={12} className="faint">
                  No jobs loaded yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {shown.model.jobErrors().length > 0 && (
          <>
            <div className="section-title">Job files that failed to load</div>
            <table className="list">
              <tbody>
                {shown.model.jobErrors().map((error, i) => (
                  <tr key={i}>
                    <td className="mono">{error.file}</td>
                    <td className="reason wrap">
                      {error.key !== undefined ? `${error.key}: ` : ''}
                      {error.error}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        <div className="section-title">Processes</div>
        <table className="list" data-testid="processes-table">
          <thead>
            <tr>
              <th className="num">PID</th>
              <th>Name</th>
              <th>Type</th>
              <th>Job</th>
              <th>State</th>
              <th className="num">UID</th>
              <th className="num">Transactions</th>
              <th className="num">Sent</th>
              <th className="num">Received</th>
              <th>Exit / last output</th>
            </tr>
          </thead>
          <tbody>
            {processes.map((p) => {
              const last = p.output[p.output.length - 1];
              return (
                <tr key={p.pid} data-testid="process-row" className={p.state === 'exited' ? 'closed' : ''}>
                  <td className="num">{p.pid}</td>
                  <td>
                    <span title={p.executable}>{p.name || <span className="faint">—</span>}</span>
                  </td>
                  <td>{p.processType === 'app' ? <span className="tag blue">app</span> : p.processType === 'background' ? <span className="tag">background</span> : <span className="faint">—</span>}</td>
                  <td className="muted">
                    {p.job ?? '—'}
                    {p.forClientPid !== undefined && <span className="faint"> for pid {p.forClientPid}</span>}
                  </td>
                  <td>{stateTag(p.state)}</td>
                  <td className="num">{p.uid ?? '—'}</td>
                  <td className="num">{p.transactions}</td>
                  <td className="num">{formatCount(p.messagesSent)}</td>
                  <td className="num">{formatCount(p.messagesReceived)}</td>
                  <td className="mono clip wide">
                    {p.exit !== undefined ? exitText(p.exit, now) : last !== undefined ? <span className={last.stream === 'stderr' ? 'reason warn' : 'muted'}>{last.text.trim()}</span> : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
