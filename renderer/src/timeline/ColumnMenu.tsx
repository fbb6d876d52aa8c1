/** Shows or hides timeline columns, and resets their widths. */
import { useRef } from 'react';
import { CheckIcon } from '../components/icons';
import { DEFAULT_HIDDEN_COLUMNS } from '../state/preferences';
import { useUi } from '../state/ui-store';
import { useDismiss } from '../components/use-dismiss';
import { COLUMN_TITLES, TIMELINE_COLUMNS } from './columns';

export function ColumnMenu({ at, onClose }: { readonly at: { x: number; y: number }; readonly onClose: () => void }) {
  const hidden = useUi((s) => s.hiddenColumns);
  const setHidden = useUi((s) => s.setHiddenColumns);
  const setWidths = useUi((s) => s.setColumnWidths);
  const ref = useRef<HTMLDivElement>(null);

  useDismiss(ref, onClose);

  const toggle = (id: string) => setHidden(hidden.includes(id) ? hidden.filter((c) => c !== id) : [...hidden, id]);

  return (
    <div className="popover" ref={ref} style={{ position: 'fixed', left: Math.min(at.x, window.innerWidth - 200), top: at.y }} data-testid="column-menu" role="menu">
      {TIMELINE_COLUMNS.map((column) => (
        <button key={column.id} type="button" className="menu-item" role="menuitemcheckbox" aria-checked={!hidden.includes(column.id!)} onClick={() => toggle(column.id!)}>
          <span className="check">{!hidden.includes(column.id!) && <CheckIcon size={12} />}</span>
          {COLUMN_TITLES[column.id!]}
        </button>
      ))}
      <div className="menu-separator" />
      <button
        type="button"
        className="menu-item"
        onClick={() => {
          setWidths({});
          setHidden(DEFAULT_HIDDEN_COLUMNS);
          onClose();
        }}
      >
        <span className="check" />
        Restore default columns
      </button>
    </div>
  );
}
