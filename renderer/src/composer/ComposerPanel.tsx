/**
 * The "send test message" composer: a panel beside the current view, so the message it sends
 * can be watched arriving in the timeline. Service, mode and client identity; the payload as
 * XPC-JSON, validated as it is typed; send with ⌘↵; the outcome in place; history and templates.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { printXpcJson } from '../../../app/xpc/json';
import { uuidToString } from '../../../app/xpc/value';
import { CloseIcon } from '../components/icons';
import { InfoIcon, SendIcon } from './composer-icons';
import { useComposer } from './composer-store';
import { CopyAsMenu } from './CopyAsMenu';
import { PALETTE_HINTS, PALETTE_TAGS, paletteSnippet, type PaletteTag } from './palette';
import { checkPayload, formatPayloadError } from './payload-check';
import { insertAtCursor, PayloadEditor } from './PayloadEditor';
import { ResultView } from './ResultView';
import { SavedLists, type SavedTab } from './SavedLists';
import type { ClientIdentity, SendMode } from './saved-messages';
import { ServiceField } from './ServiceField';
import './composer.css';

const MODES: readonly { readonly mode: SendMode; readonly label: string; readonly hint: string }[] = [
  { mode: 'send', label: 'Send', hint: 'xpc_connection_send_message: one way, no reply expected' },
  { mode: 'send-with-reply', label: 'Send with reply', hint: 'xpc_connection_send_message_with_reply: the reply arrives on a handler' },
  { mode: 'sync', label: 'Sync', hint: 'xpc_connection_send_message_with_reply_sync: the client blocks until the reply' },
];

const IDENTITIES: readonly { readonly identity: ClientIdentity; readonly label: string }[] = [
  { identity: 'app', label: 'App' },
  { identity: 'background', label: 'Background' },
];

const IDENTITY_HINT =
  'The kind of client process the message comes from — this decides boosts. A message from an app-type ' +
  '(foreground) client boosts the receiving service: the boost lives while the message is handled, moves to ' +
  'the reply and ends when the reply is sent; an on-demand launch happens boosted. A background client’s ' +
  'message does not boost.';

export function ComposerPanel() {
  const open = useComposer((s) => s.open);
  if (!open) return null;
  return <Composer />;
}

function Composer() {
  const draft = useComposer((s) => s.draft);
  const sending = useComposer((s) => s.send.status === 'sending');
  const loadedAt = useComposer((s) => s.loadedAt);
  const edit = useComposer((s) => s.edit);
  const sendDraft = useComposer((s) => s.sendDraft);
  const close = useComposer((s) => s.closeComposer);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const [savedTab, setSavedTab] = useState<SavedTab>('history');
  const [nameFocus, setNameFocus] = useState(0);

  // Parsing a large payload on every keystroke would make typing lag; check the settled text.
  const payload = useDeferredValue(draft.payload);
  const check = useMemo(() => checkPayload(payload), [payload]);
  const canSend = check.ok && draft.service.trim() !== '' && !sending;

  useEffect(() => {
    if (loadedAt > 0) textareaRef.current?.focus();
  }, [loadedAt]);

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if ((event.metaKey || event.ctrlKey) && event.key === 'Enter') {
      event.preventDefault();
      void sendDraft();
    }
  };

  const insertTag = (tag: PaletteTag) => {
    const element = textareaRef.current;
    if (element === null) return;
    const snippet = paletteSnippet(tag, { nowNs: BigInt(Date.now()) * 1_000_000n, uuid: randomUuid() });
    insertAtCursor(element, snippet.text, (text) => edit({ payload: text }), snippet.select);
  };

  return (
    <aside className="composer" data-testid="composer" aria-label="Send a test message" onKeyDown={onKeyDown}>
      <header className="composer-header">
        <SendIcon size={14} />
        <h2>Send a test message</h2>
        <span className="toolbar-spacer" />
        <button type="button" className="tool-button" aria-label="Close the composer" title="Close" data-testid="composer-close" onClick={close}>
          <CloseIcon size={11} />
        </button>
      </header>
      <div className="composer-scroll">
        <div className="composer-form">
          <ServiceField />
          <div className="composer-field">
            <span className="composer-label">Mode</span>
            <div className="segmented" role="group" aria-label="Mode" data-testid="composer-mode">
              {MODES.map(({ mode, label, hint }) => (
                <button type="button" key={mode} data-mode={mode} aria-pressed={draft.mode === mode} title={hint} onClick={() => edit({ mode })}>
                  {label}
                </button>
              ))}
            </div>
          </div>
          <div className="composer-field">
            <span className="composer-label">Sent as</span>
            <div className="composer-identity">
              <div className="segmented" role="group" aria-label="Client identity" data-testid="composer-identity" title={IDENTITY_HINT}>
                {IDENTITIES.map(({ identity, label }) => (
                  <button type="button" key={identity} data-identity={identity} aria-pressed={draft.processType === identity} title={IDENTITY_HINT} onClick={() => edit({ processType: identity })}>
                    {label}
                  </button>
                ))}
              </div>
              <span className="composer-info" title={IDENTITY_HINT} aria-label={IDENTITY_HINT} data-testid="composer-identity-hint">
                <InfoIcon size={13} />
                {draft.processType === 'app' ? 'boosts the service' : 'no boost'}
              </span>
            </div>
          </div>
        </div>

        <div className="composer-payload-head">
          <span className="composer-label">Payload</span>
          <span className="faint">XPC-JSON</span>
          <span className="toolbar-spacer" />
          <button
            type="button"
            className="push-button small"
            disabled={!check.ok}
            title="Reformat in canonical XPC-JSON"
            onClick={() => {
              if (check.ok) edit({ payload: printXpcJson(check.value) });
            }}
          >
            Format
          </button>
        </div>
        <div className="composer-palette" role="toolbar" aria-label="Insert a typed value" data-testid="composer-palette">
          {PALETTE_TAGS.map((tag) => (
            <button type="button" key={tag} className="composer-chip mono" data-tag={tag} title={PALETTE_HINTS[tag]} onMouseDown={(event) => event.preventDefault()} onClick={() => insertTag(tag)}>
              {tag}
            </button>
          ))}
        </div>
        <PayloadEditor text={draft.payload} check={check} onChange={(text) => edit({ payload: text })} textareaRef={textareaRef} />
        <div id="composer-payload-status" className="composer-status">
          {check.ok ? (
            <span className="composer-valid" data-testid="composer-valid">
              ✓ Valid message · {check.value.entries.size} {check.value.entries.size === 1 ? 'key' : 'keys'}
            </span>
          ) : (
            <div className="composer-error" role="alert" data-testid="composer-error" title={formatPayloadError(check)}>
              <span className="where num">
                Line {check.line}, column {check.column}
              </span>
              <span className="path mono" data-testid="composer-error-path">
                {check.path}
              </span>
              <span className="reason">{check.reason}</span>
            </div>
          )}
        </div>

        <div className="composer-actions">
          <button type="button" className="push-button primary composer-send" data-testid="composer-send" disabled={!canSend} onClick={() => void sendDraft()} title="Send (⌘↵)">
            <SendIcon size={12} /> {sending ? 'Sending…' : 'Send'}
            <kbd>⌘↵</kbd>
          </button>
          <button
            type="button"
            className="push-button"
            data-testid="composer-save-template"
            onClick={() => {
              setSavedTab('templates');
              setNameFocus(nameFocus + 1);
            }}
          >
            Save as template…
          </button>
          <span className="toolbar-spacer" />
          <CopyAsMenu value={check.ok ? check.value : undefined} what="the payload" testId="composer-copy" />
        </div>

        <ResultView />
        <SavedLists tab={savedTab} onTab={setSavedTab} nameFocus={nameFocus} />
      </div>
    </aside>
  );
}

/** A version 4 uuid. getRandomValues, unlike randomUUID, works outside secure contexts too. */
function randomUuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return uuidToString(bytes);
}
