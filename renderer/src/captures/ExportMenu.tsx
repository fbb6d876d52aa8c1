/**
 * The toolbar's Export popover: what (the whole capture, or only what the filter shows) and how
 * (capture NDJSON, gzip'd, or the timeline table as CSV with its visible columns and sort).
 */
import { useState } from 'react';
import { formatCount } from '../../../app/model';
import { ChevronIcon } from '../components/icons';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { exportShown, type ExportFormat, type ExportScope } from './capture-commands';
import { ExportIcon } from './capture-icons';
import { Popover } from './Popover';

const FORMATS: readonly { readonly id: ExportFormat; readonly label: string; readonly hint: string }[] = [
  { id: 'ndjson', label: 'Capture', hint: '.ndjson — opens again in XPC Inspector' },
  { id: 'ndjson.gz', label: 'Capture, compressed', hint: '.ndjson.gz' },
  { id: 'csv', label: 'Timeline table', hint: '.csv — visible columns, current sort' },
];

export function ExportMenu() {
  const [open, setOpen] = useState(false);
  return (
    <div className="toolbar-menu">
      <button type="button" className="tool-button" data-testid="export-menu" aria-haspopup="dialog" aria-expanded={open} title="Export this tab's capture or timeline" onClick={() => setOpen(!open)}>
        <ExportIcon />
        Export
        <ChevronIcon size={9} />
      </button>
      {open && <ExportPopover onClose={() => setOpen(false)} />}
    </div>
  );
}

function ExportPopover({ onClose }: { readonly onClose: () => void }) {
  useUi((s) => s.tick);
  const filterText = useUi((s) => s.filterText).trim();
  const filterError = useUi((s) => s.filterError);
  const filtering = filterText !== '' && filterError === undefined;
  const [scope, setScope] = useState<ExportScope>(filtering ? 'filtered' : 'all');
  const [format, setFormat] = useState<ExportFormat>('ndjson');
  const effectiveScope = filtering ? scope : 'all';
  const rows = shown.timeline.rows.length;
  const held = shown.model.rows.count;
  const csv = format === 'csv';

  return (
    <Popover onClose={onClose} className="export-popover" testId="export-popover">
      <div className="popover-section">
        <div className="popover-label">Export</div>
        <label className="radio-row">
          <input type="radio" name="export-scope" checked={effectiveScope === 'all'} onChange={() => setScope('all')} data-testid="export-scope-all" />
          <span>
            {csv ? 'All rows of the timeline' : 'The whole capture'}
            <span className="radio-hint">{csv ? `${formatCount(held)} rows` : `${formatCount(shown.model.totals.events)} events`}</span>
          </span>
        </label>
        <label className={`radio-row ${filtering ? '' : 'disabled'}`} title={filtering ? undefined : 'Type a filter in the filter bar first'}>
          <input type="radio" name="export-scope" disabled={!filtering} checked={effectiveScope === 'filtered'} onChange={() => setScope('filtered')} data-testid="export-scope-filtered" />
          <span>
            Only the filter result
            <span className="radio-hint mono">{filtering ? `${filterText} · ${formatCount(rows)} rows` : 'no filter'}</span>
          </span>
        </label>
      </div>
      <div className="menu-separator" />
      <div className="popover-section">
        <div className="popover-label">Format</div>
        {FORMATS.map((f) => (
          <label key={f.id} className="radio-row">
            <input type="radio" name="export-format" checked={format === f.id} onChange={() => setFormat(f.id)} data-testid={`export-format-${f.id}`} />
            <span>
              {f.label}
              <span className="radio-hint">{f.hint}</span>
            </span>
          </label>
        ))}
      </div>
      <div className="popover-actions">
        <button type="button" className="push-button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="push-button primary"
          data-testid="export-confirm"
          onClick={() => {
            onClose();
            void exportShown(effectiveScope, format);
          }}
        >
          Export…
        </button>
      </div>
    </Popover>
  );
}
