/** Navigation between the views, and the services at a glance (click one to see its traffic). */
import type { ReactElement } from 'react';
import { formatCount } from '../../../app/model';
import { shown } from '../state/tabs';
import { useUi, type ViewName } from '../state/ui-store';
import { applyFilterText } from '../timeline/FilterBar';
import { allServices } from '../views/ServicesView';
import { ChartIcon, ConnectionsIcon, ServicesIcon, TimelineIcon } from './icons';

export function Sidebar() {
  useUi((s) => s.tick);
  useUi((s) => s.jobs);
  const view = useUi((s) => s.view);
  const setView = useUi((s) => s.setView);
  const filterText = useUi((s) => s.filterText);
  const model = shown.model;
  const services = allServices();
  const connections = model.connections();
  const openConnections = connections.filter((c) => c.state !== 'canceled' && c.state !== 'invalidated').length;
  const troubled = connections.filter((c) => c.state === 'invalidated' || c.state === 'interrupted' || c.peer.result === 'rejected').length;
  const running = services.filter((s) => s.state !== 'not-running').length;
  const crashed = services.reduce((n, s) => n + s.crashes, 0);

  const item = (name: ViewName, icon: ReactElement, label: string, badge: ReactElement | string) => (
    <button type="button" className="sidebar-item" aria-current={view === name ? 'page' : undefined} onClick={() => setView(name)} data-testid={`nav-${name}`}>
      <span className="icon">{icon}</span>
      <span className="label">{label}</span>
      <span className="badge">{badge}</span>
    </button>
  );

  return (
    <nav className="sidebar" aria-label="Views">
      <h2>Inspector</h2>
      {item('timeline', <TimelineIcon />, 'Timeline', formatCount(model.rows.count))}
      {item('services', <ServicesIcon />, 'Services', crashed > 0 ? <span className="badge alert">{crashed} crash{crashed === 1 ? '' : 'es'}</span> : `${running}/${services.length}`)}
      {item('connections', <ConnectionsIcon />, 'Connections', troubled > 0 ? <span className="badge alert">{troubled} ⚠</span> : String(openConnections))}
      {item('transactions', <ChartIcon />, 'Transactions', model.outstandingCount > 0 ? `${formatCount(model.outstandingCount)} waiting` : '')}
      <h2>Services</h2>
      {services.length === 0 && <div className="sidebar-empty">No jobs loaded</div>}
      {services.map((service) => {
        const filter = `service:${service.label}`;
        return (
          <button
            key={service.label}
            type="button"
            className="sidebar-item sidebar-service"
            aria-current={view === 'timeline' && filterText === filter ? 'page' : undefined}
            title={`${service.label} — ${service.state}${service.pids.length > 0 ? `, pid ${service.pids.join(', ')}` : ''}. Click to show its traffic.`}
            onClick={() => {
              applyFilterText(filterText === filter ? '' : filter);
              setView('timeline');
            }}
          >
            <span className={`state-dot ${service.state}`} />
            <span className="label">{service.label}</span>
            <span className="badge">{service.transactions > 0 ? `${service.transactions} tx` : ''}</span>
          </button>
        );
      })}
    </nav>
  );
}
