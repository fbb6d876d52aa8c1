/**
 * The status bar's "rows in view" item: how many rows the live view holds, and the cap on them
 * (the view's memory bound). Picking another cap saves it and reloads the window, which then
 * rebuilds its view from the host (snapshot plus the events the host still holds).
 */
import { useCallback, useRef, useState } from 'react';
import { formatCount } from '../../../app/model';
import { loadPreferences, savePreferences, VIEW_ROW_CHOICES } from '../state/preferences';
import { useDismiss } from './use-dismiss';
import { CheckIcon } from './icons';

export function RowCapMenu({ rows, capacity }: { readonly rows: number; readonly capacity: number }) {
  // Where the menu opens: above the button, fixed, since the status bar clips what overflows it.
  const [open, setOpen] = useState<{ right: number; bottom: number } | undefined>(undefined);
  const ref = useRef<HTMLSpanElement>(null);

  const close = useCallback(() => setOpen(undefined), []);
  useDismiss(ref, close, { active: open !== undefined });

  const choose = (viewRows: number) => {
    setOpen(undefined);
    if (viewRows === capacity) return;
    savePreferences({ ...loadPreferences(), viewRows });
    window.location.reload();
  };

  const choices = VIEW_ROW_CHOICES.includes(capacity) ? VIEW_ROW_CHOICES : [...VIEW_ROW_CHOICES, capacity].sort((a, b) => a - b);
  return (
    <span className="item row-cap" ref={ref}>
      <button type="button" className="link-button" data-testid="row-cap" title="Most rows the view keeps in memory; older rows drop from view and stay in the capture on disk" onClick={(event) => {
          const rect = event.currentTarget.getBoundingClientRect();
          setOpen(open ? undefined : { right: window.innerWidth - rect.right, bottom: window.innerHeight - rect.top + 6 });
        }}>
        {formatCount(rows)} of {formatCount(capacity)} rows in view
      </button>
      {open && (
        <div className="popover row-cap-menu" role="menu" data-testid="row-cap-menu" style={{ position: 'fixed', right: open.right, bottom: open.bottom }}>
          <div className="menu-title">Keep in view (reloads the window)</div>
          {choices.map((choice) => (
            <button key={choice} type="button" className="menu-item" role="menuitemradio" aria-checked={choice === capacity} onClick={() => choose(choice)}>
              <span className="check">{choice === capacity && <CheckIcon size={12} />}</span>
              {formatCount(choice)} rows
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
