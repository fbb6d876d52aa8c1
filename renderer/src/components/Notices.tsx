/** Transient messages: the outcome of actions and errors worth reading. */
import { useUi } from '../state/ui-store';
import { CloseIcon } from './icons';

export function Notices() {
  const notices = useUi((s) => s.notices);
  const dismiss = useUi((s) => s.dismiss);
  return (
    <div className="notices" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
          <span className="selectable">{notice.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
            <CloseIcon size={10} />
          </button>
        </div>
      ))}
    </div>
  );
}
