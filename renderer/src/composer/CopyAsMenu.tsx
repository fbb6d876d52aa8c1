/**
 * "Copy as": a message as XPC-JSON, as its description text (xpc_copy_description's form) or as
 * C code that builds it with libxpc.
 */
import { useCallback, useRef, useState } from 'react';
import { xpcToCCode } from '../../../app/xpc/c-code';
import { describeXpc } from '../../../app/xpc/describe';
import { printXpcJson } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import { ChevronIcon, CopyIcon } from '../components/icons';
import { useDismiss } from '../components/use-dismiss';
import { useUi } from '../state/ui-store';

export type CopyFormat = 'xpc-json' | 'description' | 'c';

const FORMATS: readonly { readonly format: CopyFormat; readonly label: string; readonly hint: string }[] = [
  { format: 'xpc-json', label: 'XPC-JSON', hint: 'the composer and CLI format' },
  { format: 'description', label: 'Description', hint: 'as xpc_copy_description prints it' },
  { format: 'c', label: 'C code', hint: 'xpc_dictionary_set_* calls that build it' },
];

export function copyText(value: XpcValue, format: CopyFormat): string {
  switch (format) {
    case 'xpc-json':
      return printXpcJson(value);
    case 'description':
      return describeXpc(value);
    case 'c':
      return xpcToCCode(value);
  }
}

/** Writes to the clipboard and says so (or why not) in a notice. */
export function copyToClipboard(text: string, what: string): void {
  const notify = useUi.getState().notify;
  navigator.clipboard.writeText(text).then(
    () => notify('info', `Copied ${what}.`),
    (error: unknown) => notify('error', `Copy failed: ${error instanceof Error ? error.message : String(error)}`),
  );
}

interface CopyAsMenuProps {
  /** The value to copy; the button is disabled without one (an invalid payload). */
  readonly value: XpcValue | undefined;
  /** "the payload", "the reply": used in the notice. */
  readonly what: string;
  readonly testId: string;
}

export function CopyAsMenu({ value, what, testId }: CopyAsMenuProps) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  const close = useCallback(() => setOpen(false), []);
  useDismiss(root, close, { active: open, pressEvent: 'pointerdown' });

  return (
    <div className="composer-copy" ref={root}>
      <button
        type="button"
        className="push-button small"
        data-testid={testId}
        disabled={value === undefined}
        aria-haspopup="menu"
        aria-expanded={open}
        title={value === undefined ? 'Fix the payload to copy it' : `Copy ${what} as XPC-JSON, description or C`}
        onClick={() => setOpen(!open)}
      >
        <CopyIcon size={11} /> Copy as
        <span className="composer-copy-chevron">
          <ChevronIcon size={9} />
        </span>
      </button>
      {open && value !== undefined && (
        <div className="popover composer-copy-menu" role="menu">
          {FORMATS.map(({ format, label, hint }) => (
            <button
              type="button"
              role="menuitem"
              key={format}
              className="menu-item"
              data-testid={`${testId}-${format}`}
              onClick={() => {
                setOpen(false);
                copyToClipboard(copyText(value, format), `${what} as ${label}`);
              }}
            >
              <span>{label}</span>
              <span className="composer-menu-hint">{hint}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
