/**
 * The payload editor: a plain monospace textarea with a line-number gutter and, behind the text,
 * an overlay that marks the line and the characters an XPC-JSON error is about. The overlay
 * holds only the error line and the gutter only the visible numbers, so a megabyte of payload
 * costs no more per keystroke than a line of it.
 */
import { useEffect, useState, type KeyboardEvent, type RefObject } from 'react';
import { insertSnippet } from './palette';
import type { PayloadCheck } from './payload-check';

/** Shared by the textarea, overlay and gutter so their lines stay aligned. */
const LINE_HEIGHT = 18;
const PAD_Y = 8;
const PAD_X = 10;
const GUTTER_OVERSCAN = 4;

interface PayloadEditorProps {
  readonly text: string;
  readonly check: PayloadCheck;
  readonly onChange: (text: string) => void;
  readonly textareaRef: RefObject<HTMLTextAreaElement | null>;
}

export function PayloadEditor({ text, check, onChange, textareaRef }: PayloadEditorProps) {
  const [scroll, setScroll] = useState({ top: 0, left: 0, height: 240 });
  const lineStarts = lineStartsOf(text);
  const lineCount = lineStarts.length;
  const error = check.ok ? undefined : check;
  const errorLine = error === undefined ? undefined : lineOfOffset(lineStarts, error.start);

  // The gutter draws only the visible numbers, so it needs the textarea's height as it resizes.
  useEffect(() => {
    const element = textareaRef.current;
    if (element === null) return;
    const measure = () => setScroll({ top: element.scrollTop, left: element.scrollLeft, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [textareaRef]);

  const first = Math.max(0, Math.floor((scroll.top - PAD_Y) / LINE_HEIGHT) - GUTTER_OVERSCAN);
  const last = Math.min(lineCount, Math.ceil((scroll.top + scroll.height) / LINE_HEIGHT) + GUTTER_OVERSCAN);
  const numbers = [];
  for (let i = first; i < last; i++) {
    numbers.push(
      <div key={i} className={i === errorLine ? 'error' : undefined} style={{ top: PAD_Y + i * LINE_HEIGHT, height: LINE_HEIGHT }}>
        {i + 1}
      </div>,
    );
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Tab indents inside the editor (two spaces) rather than leaving it; Escape first to tab away.
    if (event.key === 'Tab' && !event.shiftKey && !event.metaKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      insertAtCursor(event.currentTarget, '  ', onChange);
    }
    if (event.key === 'Escape') event.currentTarget.blur();
  };

  return (
    <div className={`composer-editor${error ? ' invalid' : ''}`}>
      <div className="composer-gutter" aria-hidden="true">
        <div className="composer-gutter-lines" style={{ transform: `translateY(${-scroll.top}px)`, height: PAD_Y * 2 + lineCount * LINE_HEIGHT }}>
          {numbers}
        </div>
      </div>
      <div className="composer-code">
        {error !== undefined && errorLine !== undefined && (
          <div className="composer-overlay" aria-hidden="true" style={{ transform: `translate(${-scroll.left}px, ${-scroll.top}px)` }}>
            <ErrorLine text={text} lineStart={lineStarts[errorLine]!} start={error.start} end={error.end} top={PAD_Y + errorLine * LINE_HEIGHT} />
          </div>
        )}
        <textarea
          ref={textareaRef}
          className="composer-textarea"
          data-testid="composer-payload"
          aria-label="Payload (XPC-JSON)"
          aria-invalid={error !== undefined}
          aria-describedby="composer-payload-status"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          autoCorrect="off"
          wrap="off"
          value={text}
          style={{ lineHeight: `${LINE_HEIGHT}px`, padding: `${PAD_Y}px ${PAD_X}px` }}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={onKeyDown}
          onScroll={(event) => {
            const element = event.currentTarget;
            setScroll({ top: element.scrollTop, left: element.scrollLeft, height: element.clientHeight });
          }}
        />
      </div>
    </div>
  );
}

/** The error's line, in transparent text (it only takes up the same room), with the span marked. */
function ErrorLine({ text, lineStart, start, end, top }: { text: string; lineStart: number; start: number; end: number; top: number }) {
  const newline = text.indexOf('\n', lineStart);
  const lineEnd = newline === -1 ? text.length : newline;
  const from = Math.min(start, lineEnd);
  const to = Math.min(Math.max(end, from), lineEnd);
  return (
    <div className="composer-error-line" style={{ top, height: LINE_HEIGHT, lineHeight: `${LINE_HEIGHT}px`, paddingLeft: PAD_X }}>
      <span>{text.slice(lineStart, from)}</span>
      {to > from ? <mark>{text.slice(from, to)}</mark> : <mark className="at-end"> </mark>}
    </div>
  );
}

/** Offsets where each line begins (the first is 0). */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 0-based line holding `offset` (binary search over line starts). */
function lineOfOffset(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Types `insert` at the cursor the way the user would have, so the browser's undo keeps working;
 * falls back to replacing the value where insertText is unsupported.
 */
export function insertAtCursor(element: HTMLTextAreaElement, insert: string, onChange: (text: string) => void, select?: readonly [number, number]): void {
  const start = element.selectionStart;
  const end = element.selectionEnd;
  const snippet = { text: insert, select: select ?? [insert.length, insert.length] } as const;
  element.focus();
  // execCommand is deprecated but remains the only way to edit a textarea with undo support.
  if (document.execCommand('insertText', false, insert)) {
    element.setSelectionRange(start + snippet.select[0], start + snippet.select[1]);
    return;
  }
  const edit = insertSnippet(element.value, start, end, snippet);
  onChange(edit.text);
  element.value = edit.text;
  element.setSelectionRange(edit.selectionStart, edit.selectionEnd);
}
