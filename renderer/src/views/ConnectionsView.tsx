/**
 * Connections: client → service, state, traffic in both directions, replies still owed, and
 * — prominently — why a connection was invalidated or interrupted and what the peer
 * requirement check decided.
 */
import { useState } from 'react';
import type { ConnectionState } from '../../../app/events/schema';
import { formatBytes, formatCount, formatSessionTime, type ConnectionRecord } from '../../../app/model';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { applyFilterText } from '../timeline/FilterBar';

type Show = 'all' | 'open' | 'problems';

const STATE_COLOR: Readonly<Record<ConnectionState, string>> = {
  inactive: '',
  active: 'green',
  suspended: 'orange',
  canceled: '',
  invalidated: 'red',
  interrupted: 'orange',
};

const isClosed = (c: ConnectionRecord) => c.state === 'canceled' || c.state === 'invalidated';
const hasProblem = (c: ConnectionRecord) => c.state === 'invalidated' || c.state === 'interrupted' || c.peer.result === 'rejected' || c.errors > 0 || c.interruptions > 0;

export function ConnectionsView() {
  useUi((s) => s.tick);
  const setView = useUi((s) => s.setView);
  const [show, setShow] = useState<Show>('all');
  const model = shown.model;
  const all = model.connections();
  const connections = all
    .filter((c) => (show === 'open' ? !isClosed(c) : show === 'problems' ? hasProblem(c) : true))
    .sort((a, b) => Number(isClosed(a)) - Number(isClosed(b)) || b.id - a.id);
  const open = all.filter((c) => !isClosed(c)).length;
  const problems = all.filter(hasProblem).length;

  const showMessages = (id: number) => {
    applyFilterText(`conn:${id}`);
    setView('timeline');
  };

  return (
    <div className="split">
      <div className="view-header">
        <h2>Connections</h2>
        <span className="summary">
          {open} open · {all.length - open} closed · {problems} with problems
        </span>
        <span className="toolbar-spacer" />
        <div className="segmented" role="group" aria-label="Show">
          {(['all', 'open', 'problems'] as const).map((value) => (
            <button key={value} type="button" aria-pressed={show === value} onClick={() => setShow(value)}>
              {value === 'all' ? 'All' : value === 'open' ? 'Open' : 'Problems'}
            </button>
          ))}
        </div>
      </div>
      <div className="view-scroll">
        <table className="list" data-testid="connections-table">
          <thead>
            <tr>
              <th className="num">#</th>
              <th>Client → Service</th>
              <th>State</th>
              <th>Reason</th>
              <th>Peer requirement</th>
              <th className="num" title="Messages client → service">Out</th>
              <th className="num" title="Messages and replies service → client">In</th>
              <th className="num" title="Requests on this connection still waiting for a reply">Awaiting</th>
              <th className="num">Errors</th>
              <th className="num">Opened</th>
            </tr>
          </thead>
          <tbody>
            {connections.map((c) => {
              const client = model.process(c.clientPid);
              return (
                <tr
                  key={c.id}
                  className={isClosed(c) ? 'closed' : ''}
                  data-testid="connection-row"
                  data-connection={c.id}
                  data-state={c.state}
                  onDoubleClick={() => showMessages(c.id)}
                  title="Double-click to show this connection's traffic"
                >
                  <td className="num">{c.id}</td>
                  <td>
                    <span className="route-cell">
                      <span>
                        {model.processName(c.clientPid)} <span className="faint">({c.clientPid})</span>
                      </span>
                      {client?.processType === 'app' && <span className="tag blue">app</span>}
                      <span className="arrow">→</span>
                      <strong>{c.service}</strong>
                      {c.job !== undefined && c.job !== c.service && <span className="faint">{c.job}</span>}
                      {c.servicePid !== undefined && <span className="faint">pid {c.servicePid}</span>}
                      {(c.api === 'session' || c.privileged || c.viaEndpoint) && (
                        <span className="tag">
                          {[c.api === 'session' ? 'session' : '', c.privileged ? 'privileged' : '', c.viaEndpoint ? 'endpoint' : ''].filter((x) => x !== '').join(' · ')}
                        </span>
                      )}
                    </span>
                  </td>
                  <td>
                    <span className={`tag ${STATE_COLOR[c.state]}`}>{c.state}</span>
                    {c.suspendCount > 0 && <span className="faint"> ×{c.suspendCount}</span>}
                  </td>
                  <td className="wrap reason-cell">
                    {c.interruptions > 1 && (
                      <span className="tag orange" title="Times this connection was interrupted">
                        {c.interruptions}× interrupted
                      </span>
                    )}{' '}
                    {c.reason !== undefined ? (
                      <span className={`reason ${c.state === 'interrupted' || c.state === 'active' ? 'warn' : ''}`} data-testid="connection-reason">
                        {c.reason}
                        {c.retryable !== undefined && <span className="faint"> ({c.retryable ? 'a retry may help' : 'retrying will not help'})</span>}
                      </span>
                    ) : (
                      <span className="faint">—</span>
                    )}
                  </td>
                  <td className="wrap peer-cell">
                    {c.peer.result === 'rejected' ? (
                      <span className="reason" title={JSON.stringify(c.peer.requirement)}>
                        ✕ rejected: {c.peer.reason}
                      </span>
                    ) : c.peer.result === 'accepted' ? (
                      <span className="tag green">✓ accepted</span>
                    ) : (
                      <span className="faint">not checked yet</span>
                    )}
                  </td>
                  <td className="num" title={formatBytes(c.bytesOut)}>
                    {formatCount(c.messagesOut)}
                  </td>
                  <td className="num" title={formatBytes(c.bytesIn)}>
                    {formatCount(c.messagesIn)}
                  </td>
                  <td className="num">{c.outstandingReplies > 0 ? <span className="tag orange">{c.outstandingReplies}</span> : <span className="faint">0</span>}</td>
                  <td className="num">{c.errors > 0 ? <span className="reason">{c.errors}</span> : <span className="faint">0</span>}</td>
                  <td className="num muted">{formatSessionTime(c.openedAt)} s</td>
                </tr>
              );
            })}
            {connections.length === 0 && (
              <tr>
                <td colSpan={10} className="faint">
                  {all.length === 0 ? 'No connections yet.' : 'No connections match.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
