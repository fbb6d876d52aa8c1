/**
 * The history of sent messages (newest first; click one to load it back) and the saved
 * templates (save the current draft under a name; apply or delete one).
 */
import { useEffect, useRef, useState } from 'react';
import { CloseIcon } from '../components/icons';
import { HistoryIcon, TemplateIcon } from './composer-icons';
import { useComposer } from './composer-store';
import type { ComposerDraft, SendMode } from './saved-messages';

export type SavedTab = 'history' | 'templates';

const MODE_LABELS: Readonly<Record<SendMode, string>> = { send: 'send', 'send-with-reply': 'with reply', sync: 'sync' };

interface SavedListsProps {
  readonly tab: SavedTab;
  readonly onTab: (tab: SavedTab) => void;
  /** Bumped to move focus to the template name field ("Save as template…"). */
  readonly nameFocus: number;
}

export function SavedLists({ tab, onTab, nameFocus }: SavedListsProps) {
  const history = useComposer((s) => s.history);
  const templates = useComposer((s) => s.templates);
  return (
    <section className="composer-saved">
      <div className="pane-tabs">
        <div className="segmented" role="tablist" aria-label="Saved messages">
          <button type="button" role="tab" aria-selected={tab === 'history'} aria-pressed={tab === 'history'} data-testid="composer-history-tab" onClick={() => onTab('history')}>
            <HistoryIcon size={12} /> History <span className="composer-count">{history.length}</span>
          </button>
          <button type="button" role="tab" aria-selected={tab === 'templates'} aria-pressed={tab === 'templates'} data-testid="composer-templates-tab" onClick={() => onTab('templates')}>
            <TemplateIcon size={12} /> Templates <span className="composer-count">{templates.length}</span>
          </button>
        </div>
      </div>
      {tab === 'history' ? <HistoryList /> : <TemplateList nameFocus={nameFocus} />}
    </section>
  );
}

function HistoryList() {
  const history = useComposer((s) => s.history);
  const restore = useComposer((s) => s.restore);
  const clearHistory = useComposer((s) => s.clearHistory);
  return (
    <div className="composer-list" data-testid="composer-history" role="list">
      {history.length === 0 && <div className="composer-empty">Messages you send appear here, newest first. Click one to load it back.</div>}
      {history.map((entry, i) => (
        <button
          type="button"
          role="listitem"
          key={`${entry.sentAtMs}-${i}`}
          className="composer-list-item"
          data-testid="composer-history-item"
          title="Load this message into the composer"
          onClick={() => restore(withoutExtras(entry))}
        >
          <span className="line">
            <span className="mono name">{entry.service}</span>
            <span className="tag">{MODE_LABELS[entry.mode]}</span>
            <span className={`outcome ${entry.ok ? 'ok' : 'failed'}`}>{entry.outcome}</span>
            <span className="toolbar-spacer" />
            <span className="faint num">{clock(entry.sentAtMs)}</span>
          </span>
          <span className="mono preview">{preview(entry.payload)}</span>
        </button>
      ))}
      {history.length > 0 && (
        <div className="composer-list-footer">
          <button type="button" className="link-button" onClick={clearHistory}>
            Clear history
          </button>
        </div>
      )}
    </div>
  );
}

function TemplateList({ nameFocus }: { readonly nameFocus: number }) {
  const templates = useComposer((s) => s.templates);
  const saveTemplate = useComposer((s) => s.saveTemplate);
  const deleteTemplate = useComposer((s) => s.deleteTemplate);
  const restore = useComposer((s) => s.restore);
  const [name, setName] = useState('');
  const nameRef = useRef<HTMLInputElement>(null);
  const exists = templates.some((t) => t.name === name.trim());

  useEffect(() => {
    if (nameFocus > 0) nameRef.current?.focus();
  }, [nameFocus]);

  return (
    <div className="composer-list" data-testid="composer-templates" role="list">
      <form
        className="composer-template-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() === '') return;
          saveTemplate(name);
          setName('');
        }}
      >
        <input
          ref={nameRef}
          type="text"
          className="composer-input"
          data-testid="composer-template-name"
          placeholder="Name for the current message"
          aria-label="Template name"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" className="push-button small" data-testid="composer-template-save" disabled={name.trim() === ''}>
          {exists ? 'Replace' : 'Save'}
        </button>
      </form>
      {templates.length === 0 && <div className="composer-empty">Save the current service, mode and payload under a name to send it again later.</div>}
      {templates.map((template) => (
        <div role="listitem" key={template.name} className="composer-list-item template" data-testid="composer-template">
          <button type="button" className="composer-template-apply" title="Load this template into the composer" onClick={() => restore(withoutExtras(template))}>
            <span className="line">
              <span className="name strong">{template.name}</span>
              <span className="mono faint">{template.service}</span>
              <span className="tag">{MODE_LABELS[template.mode]}</span>
            </span>
            <span className="mono preview">{preview(template.payload)}</span>
          </button>
          <button type="button" className="composer-delete" aria-label={`Delete template ${template.name}`} title="Delete this template" onClick={() => deleteTemplate(template.name)}>
            <CloseIcon size={10} />
          </button>
        </div>
      ))}
    </div>
  );
}

/** The draft part of a saved entry (history and templates carry more). */
function withoutExtras(entry: ComposerDraft): ComposerDraft {
  return { service: entry.service, privileged: entry.privileged, mode: entry.mode, processType: entry.processType, payload: entry.payload };
}

/** The payload on one line, whitespace collapsed. */
function preview(payload: string): string {
  const flat = payload.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function clock(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
