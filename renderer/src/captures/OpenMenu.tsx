/** The toolbar's Open menu: a capture file, or text that xpc_copy_description printed. */
import { useState } from 'react';
import { ChevronIcon } from '../components/icons';
import { openFile } from './capture-commands';
import { OpenIcon } from './capture-icons';
import { Popover } from './Popover';

export function OpenMenu() {
  const [open, setOpen] = useState(false);
  return (
    <div className="toolbar-menu">
      <button type="button" className="tool-button" data-testid="open-menu" aria-haspopup="menu" aria-expanded={open} title="Open a capture or description text in a read-only tab" onClick={() => setOpen(!open)}>
        <OpenIcon />
        Open
        <ChevronIcon size={9} />
      </button>
      {open && (
        <Popover onClose={() => setOpen(false)} testId="open-popover">
          <button
            type="button"
            className="menu-item"
            role="menuitem"
            data-testid="open-capture"
            onClick={() => {
              setOpen(false);
              void openFile('capture');
            }}
          >
            <span className="menu-text">Capture…</span>
            <span className="menu-hint">.ndjson, .ndjson.gz</span>
          </button>
          <button
            type="button"
            className="menu-item"
            role="menuitem"
            data-testid="open-description"
            onClick={() => {
              setOpen(false);
              void openFile('description');
            }}
          >
            <span className="menu-text">Description Text…</span>
            <span className="menu-hint">lldb po, logs</span>
          </button>
        </Popover>
      )}
    </div>
  );
}
