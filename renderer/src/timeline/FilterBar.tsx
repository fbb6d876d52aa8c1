/**
 * The timeline filter: parsed on every keystroke; a valid filter applies at once, an invalid
 * one keeps the last valid filter applied and shows where it went wrong (a red squiggle under
 * the offending characters and a message with the column and what was expected).
 */
import { useEffect, useRef, useState } from 'react';
import { menuCommandEvent } from '../../../app/bridge/protocol';
import { parseFilter } from '../../../app/filter';
import { formatCount } from '../../../app/model';
import { CloseIcon, ColumnsIcon, HelpIcon, SearchIcon } from '../components/icons';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { ColumnMenu } from './ColumnMenu';
import { FilterHelp } from './FilterHelp';

export function applyFilterText(text: string): void {
  const result = parseFilter(text);
  const ui = useUi.getState();
  if (result.ok) {
    shown.setFilter(result.filter);
    ui.setFilter(text, undefined);
  } else {
    ui.setFilter(text, result.error);
  }
}

/** Rows shown (of held); re-rendered every frame on its own, not the whole bar. */
function MatchCount({ filtering }: { readonly filtering: boolean }) {
  useUi((s) => s.frame);
  const matching = shown.timeline.rows.length;
  const held = shown.model.rows.count;
  return (
    <span className="match-count" data-testid="match-count">
      {filtering ? `${formatCount(matching)} of ${formatCount(held)}` : `${formatCount(held)} rows`}
    </span>
  );
}

export function FilterBar() {
  const text = useUi((s) => s.filterText);
  const error = useUi((s) => s.filterError);
  const inputRef = useRef<HTMLInputElement>(null);
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | undefined>(undefined);
  const [help, setHelp] = useState(false);
  const [focused, setFocused] = useState(false);

  useEffect(() => {
    const focus = () => {
      inputRef.current?.focus();
      inputRef.current?.select();
    };
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'f') {
        event.preventDefault();
        focus();
      }
    };
    window.addEventListener(menuCommandEvent('focus-filter'), focus);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener(menuCommandEvent('focus-filter'), focus);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  return (
    <div className="filter-bar">
      <div className={`search-field ${error ? 'invalid' : ''}`}>
        <SearchIcon size={13} />
        <div className="input-wrap">
          {error && (
            <div className="error-underline" aria-hidden="true">
              <span>{text.slice(0, error.position)}</span>
              {error.position >= text.length ? <mark className="at-end"> </mark> : <mark>{text.slice(error.position, Math.max(error.end, error.position + 1))}</mark>}
            </div>
          )}
          <input
            ref={inputRef}
            type="text"
            spellCheck={false}
            autoComplete="off"
            data-testid="filter-input"
            aria-label="Filter the timeline"
            aria-invalid={error !== undefined}
            aria-describedby={error ? 'filter-error' : undefined}
            placeholder="Filter — e.g. service:com.example.echo is:unanswered latency>5ms -kind:lifecycle"
            value={text}
            onChange={(event) => applyFilterText(event.target.value)}
            onFocus={() => setFocused(true)}
            onBlur={() => setFocused(false)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                if (text !== '') applyFilterText('');
                else inputRef.current?.blur();
              }
            }}
          />
        </div>
        {text !== '' && (
          <button type="button" className="clear-field" aria-label="Clear the filter" onClick={() => applyFilterText('')}>
            <CloseIcon size={9} />
          </button>
        )}
      </div>
      <MatchCount filtering={text.trim() !== ''} />
      <button type="button" className="tool-button" title="Filter syntax" aria-pressed={help} onClick={() => setHelp(!help)}>
        <HelpIcon />
      </button>
      <button type="button" className="tool-button" title="Columns" data-testid="columns-button" onClick={(event) => setMenuAt({ x: event.clientX - 150, y: event.clientY + 14 })}>
        <ColumnsIcon />
      </button>
      {error && (focused || text !== '') && (
        <div className="filter-message" id="filter-error" role="alert" data-testid="filter-error">
          <span className="where">Column {error.position + 1}:</span>
          <span>{error.message}</span>
          <span className="expected">— expected {error.expected}</span>
        </div>
      )}
      {help && <FilterHelp onPick={(example) => applyFilterText(example)} onClose={() => setHelp(false)} />}
      {menuAt !== undefined && <ColumnMenu at={menuAt} onClose={() => setMenuAt(undefined)} />}
    </div>
  );
}
