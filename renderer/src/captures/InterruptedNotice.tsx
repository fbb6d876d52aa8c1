/** The banner that offers captures of earlier runs that did not close cleanly (the app was killed). */
import { useUi } from '../state/ui-store';
import { dismissInterrupted, reopenInterrupted } from './capture-commands';
import { WarningIcon } from './capture-icons';

export function InterruptedNotice() {
  const interrupted = useUi((s) => s.interrupted);
  if (interrupted.length === 0) return null;
  return (
    <div className="interrupted-banner" role="status" data-testid="interrupted-notice">
      <span className="banner-icon">
        <WarningIcon />
      </span>
      <div className="banner-text">
        <strong>{interrupted.length === 1 ? 'A capture was interrupted.' : `${interrupted.length} captures were interrupted.`}</strong> The previous run did not close cleanly; what it
        journaled is still on disk.
      </div>
      <div className="banner-items">
        {interrupted.map((capture) => (
          <div key={capture.path} className="banner-item" data-testid="interrupted-capture" title={capture.path}>
            <span className="mono">{capture.fileName}</span>
            <span className="muted">
              started {new Date(capture.startedAtWallMs).toLocaleString()} · {formatSize(capture.sizeBytes)}
              {capture.lastSeq !== undefined ? ` · ${capture.lastSeq.toLocaleString('en')} events` : ''}
            </span>
            <button type="button" className="push-button small primary" data-testid="reopen-interrupted" onClick={() => void reopenInterrupted(capture.path)}>
              Reopen
            </button>
            <button type="button" className="push-button small" data-testid="dismiss-interrupted" title="Seal the journal so it is not offered again" onClick={() => void dismissInterrupted(capture.path)}>
              Dismiss
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
