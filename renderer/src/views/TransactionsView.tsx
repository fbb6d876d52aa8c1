/**
 * Transactions & boosts, per service: the count over time (chart), what holds it right now,
 * the requests still waiting for a reply, and a plain answer to "why doesn't it idle-exit?".
 */
import { useState, type ReactNode } from 'react';
import { formatDuration, formatCount, type OutstandingReply, type ServiceRecord } from '../../../app/model';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { applyFilterText } from '../timeline/FilterBar';
import { HeldBreakdown } from './HeldBreakdown';
import { allServices, stateTag } from './ServicesView';
import { TransactionChart } from './TransactionChart';

const WINDOWS: readonly { label: string; ns: number }[] = [
  { label: '10 s', ns: 10e9 },
  { label: '1 min', ns: 60e9 },
  { label: '5 min', ns: 300e9 },
  { label: 'All', ns: Infinity },
];

export function TransactionsView() {
  useUi((s) => s.tick);
  const focused = useUi((s) => s.focusedService);
  const setFocused = useUi((s) => s.setFocusedService);
  const [windowNs, setWindowNs] = useState(60e9);
  const end = Math.max(1, shown.model.totals.lastT);
  const start = Number.isFinite(windowNs) ? Math.max(0, end - windowNs) : 0;
  const services = allServices().filter((s) => shown.model.series(s.label) !== undefined || s.state !== 'not-running');
  const listed = focused === '' ? services : services.filter((s) => s.label === focused);
  const outstanding = shown.model.outstandingReplies();

  return (
    <div className="split">
      <div className="view-header">
        <h2>Transactions &amp; boosts</h2>
        <span className="summary">
          {formatCount(services.reduce((n, s) => n + s.transactions, 0))} open transactions · {formatCount(outstanding.length)} replies outstanding
        </span>
        <span className="toolbar-spacer" />
        <select className="push-button" value={focused} onChange={(event) => setFocused(event.target.value)} aria-label="Service">
          <option value="">All services</option>
          {services.map((s) => (
            <option key={s.label} value={s.label}>
              {s.label}
            </option>
          ))}
        </select>
        <div className="segmented" role="group" aria-label="Time window">
          {WINDOWS.map((w) => (
            <button key={w.label} type="button" aria-pressed={windowNs === w.ns} onClick={() => setWindowNs(w.ns)}>
              {w.label}
            </button>
          ))}
        </div>
      </div>
      <div className="view-scroll">
        <div className="tx-cards">
          {listed.length === 0 && <div className="note">No service has run yet. Transaction counts appear here once a service receives a message.</div>}
          {listed.map((service) => (
            <ServiceCard key={service.label} service={service} start={start} end={end} outstanding={outstanding.filter((o) => o.job === service.label)} />
          ))}
        </div>
        <div className="chart-legend">
          <span className="key">
            <span className="line" /> transactions
          </span>
          <span className="key">
            <span className="line dashed" /> replies outstanding
          </span>
          <span className="key">
            <span className="band" /> boosted
          </span>
          <span className="key">
            <span className="tick launch" /> ▲ launch
          </span>
          <span className="key">
            <span className="tick exit" /> ○ idle · ◆ idle exit · ■ exit
          </span>
          <span className="key">
            <span className="tick crash" /> ✕ crash
          </span>
          <span className="key">
            <span className="tick warn" /> ! termination imminent · ◔ long-held · ‖ throttled
          </span>
        </div>
      </div>
    </div>
  );
}

function ServiceCard({ service, start, end, outstanding }: { readonly service: Readonly<ServiceRecord>; readonly start: number; readonly end: number; readonly outstanding: readonly OutstandingReply[] }) {
  const series = shown.model.series(service.label);
  const setView = useUi((s) => s.setView);
  const select = useUi((s) => s.select);
  const setFollowLive = useUi((s) => s.setFollowLive);
  const now = shown.model.totals.lastT;

  const showRequest = (row: number) => {
    applyFilterText('');
    setFollowLive(false);
    select(row);
    setView('timeline');
  };

  return (
    <section className="tx-card" data-testid="transaction-card" data-service={service.label}>
      <div className="tx-card-header">
        <div className="service-name">
          <span className={`state-dot ${service.state}`} />
          {service.label}
        </div>
        {stateTag(service.state)}
        {service.longHeld !== undefined && service.transactions > 0 && (
          <span className="tag orange" title={`${service.longHeld.count} held; the oldest for ${formatDuration(service.longHeld.heldNs)}`}>
            ◔ long-held {formatDuration(service.longHeld.heldNs)}
          </span>
        )}
        <span className="toolbar-spacer" />
        <Metric value={service.transactions} caption="transactions" alert={service.longHeld !== undefined && service.transactions > 0} />
        <Metric value={series?.peakTx ?? 0} caption="peak" />
        <Metric value={service.boosts} caption="boosts" />
        <Metric value={service.outstandingReplies} caption="awaiting reply" alert={service.outstandingReplies > 0} />
        <Metric value={service.idleExits} caption="idle exits" />
        <Metric value={service.crashes} caption="crashes" alert={service.crashes > 0} />
      </div>
      {series !== undefined ? <TransactionChart series={series} start={start} end={end} /> : <div className="note">No transaction changes recorded yet.</div>}
      <div className="tx-details">
        <div>
          <h4>{service.transactions > 0 ? "Why isn't it idle?" : 'Idle status'}</h4>
          <IdleExplanation service={service} />
        </div>
        <div>
          <h4>Awaiting reply ({outstanding.length})</h4>
          {outstanding.length === 0 ? (
            <div className="why-idle faint">Every request to this service has been answered.</div>
          ) : (
            <table className="list">
              <tbody>
                {outstanding.slice(0, 8).map((o) => (
                  <tr key={o.message}>
                    <td className="num">
                      {shown.model.rows.has(o.row) ? (
                        <button type="button" className="link-button" onClick={() => showRequest(o.row)}>
                          #{o.message}
                        </button>
                      ) : (
                        `#${o.message}`
                      )}
                    </td>
                    <td className="muted">{shown.model.processName(o.fromPid)}</td>
                    <td className="num">{formatDuration(Math.max(0, now - o.t))}</td>
                    <td className="mono" style={{ maxWidth: 260, overflow: 'hidden', textOverflow: 'ellipsis' }}>
                      {o.summary}
                    </td>
                  </tr>
                ))}
                {outstanding.length > 8 && (
                  <tr>
                    <td colSpan={4} className="faint">
                      and {outstanding.length - 8} more (filter the timeline with is:unanswered service:{service.label})
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}

function Metric({ value, caption, alert = false }: { readonly value: number; readonly caption: string; readonly alert?: boolean }) {
  return (
    <span className={`metric ${alert && value > 0 ? 'alert' : ''}`}>
      <span className="value">{formatCount(value)}</span>
      <span className="caption">{caption}</span>
    </span>
  );
}

function IdleExplanation({ service }: { readonly service: Readonly<ServiceRecord> }) {
  const job = service.job;
  const lines: ReactNode[] = [];
  if (service.state === 'not-running') lines.push(<>Not running{service.lastExit ? ` — last exit: ${service.lastExit.reason} (${service.lastExit.description})` : ''}.</>);
  else if (service.transactions === 0) {
    lines.push(<>No transactions held: the service is idle{service.state === 'idle' ? '' : ' as soon as the runtime notices'}.</>);
    if (job !== undefined && !job.pressuredExit) lines.push(<>EnablePressuredExit is off, so the runtime never ends it for being idle.</>);
  } else {
    lines.push(
      <>
        {service.transactions} transaction{service.transactions === 1 ? '' : 's'} held <HeldBreakdown held={service.held} />
      </>,
    );
    if (service.held.handlers > 0) lines.push(<>{service.held.handlers} message handler(s) still running.</>);
    if (service.held.replies > 0) lines.push(<>{service.held.replies} reply object(s) created but not yet sent — a reply kept alive holds a transaction.</>);
    if (service.held.explicit > 0) lines.push(<>{service.held.explicit} xpc_transaction_begin without a matching end.</>);
    if (service.longHeld !== undefined) {
      lines.push(
        <>
          The oldest has been held for {formatDuration(service.longHeld.heldNs)}
          {service.longHeld.oldestCause !== undefined ? ` (opened by ${service.longHeld.oldestCause}${service.longHeld.message !== undefined ? `, message #${service.longHeld.message}` : ''})` : ''}.
        </>,
      );
    }
  }
  if (job?.keepAlive) lines.push(<>KeepAlive is set: the runtime relaunches it whenever it exits.</>);
  if (service.boosts > 0) lines.push(<>Boosted by {service.boosts} in-flight message(s) from foreground clients.</>);
  return (
    <ul className="why-idle">
      {lines.map((line, i) => (
        <li key={i}>{line}</li>
      ))}
    </ul>
  );
}
