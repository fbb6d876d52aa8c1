/** Event rate, totals, and what the view no longer shows (dropped from view, missed, backlog). */
import { formatBytes, formatCount } from '../../../app/model';
import { live, shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { RowCapMenu } from './RowCapMenu';

export function StatusBar() {
  useUi((s) => s.tick);
  const model = shown.model;
  const totals = model.totals;
  const rate = shown.rate.perSecond();
  const dropped = model.rows.droppedFromView;
  const backlog = shown.backlog;
  const capture = useUi((s) => (s.session?.mode === 'capture' ? s.session.capture : undefined));
  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className="item" data-testid="event-rate">
        <strong>{formatCount(rate)}</strong> events/s
      </span>
      <span className="item">
        <strong>{formatCount(totals.events)}</strong> events
      </span>
      <span className="item">
        <strong>{formatCount(totals.messages)}</strong> messages · <strong>{formatCount(totals.replies)}</strong> replies
      </span>
      <span className={`item ${totals.errors > 0 ? 'err' : ''}`}>
        <strong>{formatCount(totals.errors)}</strong> errors
      </span>
      <span className={`item ${model.outstandingCount > 0 ? 'warn' : ''}`}>
        <strong>{formatCount(model.outstandingCount)}</strong> awaiting reply
      </span>
      <span className="item">{formatBytes(totals.bytes)}</span>
      <span className="spacer" />
      {capture !== undefined && (
        <span className={`item ${capture.skippedLines > 0 || !capture.complete ? 'warn' : ''}`} data-testid="capture-status">
          read-only · {capture.complete ? 'closed cleanly' : capture.truncated ? 'interrupted' : 'no end line'}
          {capture.skippedLines > 0 ? ` · ${formatCount(capture.skippedLines)} bad lines skipped` : ''}
        </span>
      )}
      {backlog > 0 && <span className="item warn">catching up: {formatCount(backlog)} events queued</span>}
      {totals.missedEvents + totals.missedBeforeStart > 0 && (
        <span className="item warn" title="Events the host no longer held when this window asked for them (the capture on disk has them)">
          {formatCount(totals.missedEvents + totals.missedBeforeStart)} earlier events not received
        </span>
      )}
      {dropped > 0 && (
        <span className="item warn" data-testid="dropped-notice" title={`The view keeps the newest ${formatCount(model.rows.capacity)} rows`}>
          {formatCount(dropped)} older events dropped from view (kept on disk)
        </span>
      )}
      {shown === live ? (
        <RowCapMenu rows={model.rows.count} capacity={model.rows.capacity} />
      ) : (
        <span className="item">{formatCount(model.rows.count)} rows in view</span>
      )}
    </footer>
  );
}
