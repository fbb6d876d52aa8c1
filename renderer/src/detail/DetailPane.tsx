/**
 * Everything about the selected timeline row: what it was, between whom, its links (request ↔
 * reply ↔ error, the message a notice is about), its payload as a typed tree, its
 * description text (xpc_copy_description style), its raw wire bytes and the event itself.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { EVENT_KINDS } from '../../../app/events/schema';
import { formatBytes, formatDuration, formatSessionTime, formatWallTime, NONE, RowFlag } from '../../../app/model';
import { describeXpc } from '../../../app/xpc/describe';
import { fromXpcJson, printXpcJson, XpcJsonError } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import { CopyIcon } from '../components/icons';
// Composer: "Edit and resend" (and copy as C) for a captured message.
import { DetailComposerActions } from '../composer/DetailComposerActions';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { endpointName, messageStyle, rowFlags, rowKind, serviceName } from '../timeline/row-facts';
import { HexDump } from './HexDump';
import { useMessageDetail } from './message-detail';
import { ValueTree } from './ValueTree';

type LeftTab = 'payload' | 'info';
type RightTab = 'hex' | 'description' | 'event';

export function DetailPane() {
  const selected = useUi((s) => s.selectedRow);
  useUi((s) => s.tick);
  const model = shown.model;
  if (selected === undefined) {
    return (
      <div className="detail" data-testid="detail-pane">
        <div className="note">Select a row to see its payload, description, wire bytes and the request ↔ reply links. Use ↑ ↓ to move, Enter to follow a link.</div>
      </div>
    );
  }
  if (!model.rows.has(selected)) {
    return (
      <div className="detail" data-testid="detail-pane">
        <div className="note">This row has left the view (the oldest rows are dropped when the view is full or cleared; the capture on disk still has it).</div>
      </div>
    );
  }
  return <RowDetail key={selected} row={selected} />;
}

function RowDetail({ row }: { readonly row: number }) {
  const model = shown.model;
  const rows = model.rows;
  const slot = rows.slot(row);
  const kind = rowKind(model, slot);
  const isMessage = kind === 'message' || kind === 'reply' || (kind === 'error' && rows.eventKind[slot] === 0);
  const messageId = isMessage ? rows.message[slot]! : undefined;
  const fetched = useMessageDetail(messageId);
  const [left, setLeft] = useState<LeftTab>(isMessage ? 'payload' : 'info');
  const [right, setRight] = useState<RightTab>(isMessage ? 'hex' : 'event');
  const [treeKey, setTreeKey] = useState(0);
  const [expandAll, setExpandAll] = useState<boolean | undefined>(undefined);
  const notify = useUi((s) => s.notify);

  // The payload: attached to the row while recent, otherwise from the host.
  const tree: unknown = isMessage ? (rows.detail[slot] ?? (fetched.status === 'loaded' ? fetched.detail?.value : undefined)) : undefined;
  const converted = useMemo((): { value?: XpcValue; error?: string } => {
    if (tree === undefined) return {};
    try {
      return { value: fromXpcJson(tree) };
    } catch (error) {
      return { error: error instanceof XpcJsonError ? `${error.message}` : String(error) };
    }
  }, [tree]);
  const value = converted.value;
  const description = fetched.status === 'loaded' && fetched.detail !== undefined ? fetched.detail.description : value !== undefined ? describeXpc(value) : undefined;
  const wireHex = fetched.status === 'loaded' ? fetched.detail?.wireHex : undefined;
  const event = isMessage ? undefined : rows.detail[slot];

  const copy = (text: string, what: string) => {
    navigator.clipboard.writeText(text).then(
      () => notify('info', `Copied ${what}.`),
      (error: unknown) => notify('error', `Copy failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  return (
    <div className="detail" data-testid="detail-pane">
      <DetailHeader row={row} />
      <div className="detail-body">
        <div className="detail-column">
          <div className="pane-tabs">
            <div className="segmented">
              {isMessage && (
                <button type="button" aria-pressed={left === 'payload'} onClick={() => setLeft('payload')}>
                  Payload
                </button>
              )}
              <button type="button" aria-pressed={left === 'info'} onClick={() => setLeft('info')}>
                Info
              </button>
            </div>
            <span className="title" />
            {left === 'payload' && value !== undefined && (
              <>
                <button
                  type="button"
                  className="push-button small"
                  onClick={() => {
                    setExpandAll(expandAll !== true);
                    setTreeKey(treeKey + 1);
                  }}
                >
                  {expandAll === true ? 'Collapse all' : 'Expand all'}
                </button>
                <button type="button" className="push-button small" data-testid="copy-xpc-json" onClick={() => copy(printXpcJson(value), 'the payload as XPC-JSON')}>
                  <CopyIcon size={11} /> XPC-JSON
                </button>
              </>
            )}
          </div>
          <div className="pane-scroll">
            {left === 'info' ? (
              <RowFacts row={row} />
            ) : value !== undefined ? (
              <ValueTree key={treeKey} value={value} openAll={expandAll === true} />
            ) : converted.error !== undefined ? (
              <div className="note error">The payload is not valid XPC-JSON: {converted.error}</div>
            ) : fetched.status === 'loading' ? (
              <div className="note">Loading the payload…</div>
            ) : fetched.status === 'failed' ? (
              <div className="note error">Could not load the payload: {fetched.error}</div>
            ) : (
              <div className="note">This message's payload is no longer held by the host (it keeps the most recent messages; the capture on disk has all of them).</div>
            )}
          </div>
        </div>
        <div className="detail-column">
          <div className="pane-tabs">
            <div className="segmented">
              {isMessage && (
                <button type="button" aria-pressed={right === 'hex'} onClick={() => setRight('hex')}>
                  Hex
                </button>
              )}
              {isMessage && (
                <button type="button" aria-pressed={right === 'description'} onClick={() => setRight('description')}>
                  Description
                </button>
              )}
              <button type="button" aria-pressed={right === 'event'} onClick={() => setRight('event')}>
                Event
              </button>
            </div>
            <span className="title" />
            {right === 'description' && description !== undefined && (
              <button type="button" className="push-button small" data-testid="copy-description" onClick={() => copy(description, 'the description')}>
                <CopyIcon size={11} /> Copy
              </button>
            )}
          </div>
          {right === 'hex' && isMessage ? (
            wireHex !== undefined ? (
              <HexDump hex={wireHex} />
            ) : (
              <div className="note">{fetched.status === 'loading' ? 'Loading the wire bytes…' : 'The wire bytes of this message are no longer held by the host.'}</div>
            )
          ) : right === 'description' && isMessage ? (
            <div className="pane-scroll">
              {description !== undefined ? <pre className="pre" data-testid="description">{description}</pre> : <div className="note">No description available.</div>}
            </div>
          ) : (
            <div className="pane-scroll">
              <pre className="pre">{JSON.stringify(event ?? rowAsEvent(row), null, 2)}</pre>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

/** The row's facts as event-like JSON, for message rows (whose event is the send). */
function rowAsEvent(row: number): Record<string, unknown> {
  const model = shown.model;
  const rows = model.rows;
  const slot = rows.slot(row);
  const opt = (value: number) => (value === NONE ? undefined : value);
  return {
    seq: rows.seq[slot],
    t: rows.t[slot],
    kind: EVENT_KINDS[rows.eventKind[slot]!],
    message: opt(rows.message[slot]!),
    inReplyTo: opt(rows.inReplyTo[slot]!),
    connection: opt(rows.connection[slot]!),
    fromPid: opt(rows.fromPid[slot]!),
    toPid: opt(rows.toPid[slot]!),
    service: serviceName(model, slot),
    size: rows.size[slot],
    summary: rows.summary[slot],
  };
}

function DetailHeader({ row }: { readonly row: number }) {
  const model = shown.model;
  const rows = model.rows;
  const slot = rows.slot(row);
  const kind = rowKind(model, slot);
  const select = useUi((s) => s.select);
  const link = rows.link[slot]!;
  const message = rows.message[slot]!;
  const flags = rowFlags(model, slot);
  const from = endpointName(model, rows.fromPid[slot]!) || 'runtime';
  const to = endpointName(model, rows.toPid[slot]!);
  const latency = rows.latency[slot]!;

  const jump = (target: number, label: ReactNode) =>
    rows.has(target) ? (
      <button type="button" className="link-button" data-testid="detail-link" onClick={() => select(target)}>
        {label}
      </button>
    ) : (
      <span className="faint">{label} (left the view)</span>
    );

  let links: ReactNode = null;
  if (kind === 'message' && (rows.flags[slot]! & RowFlag.expectsReply) !== 0) {
    if (link !== NONE) {
      const linkSlot = rows.has(link) ? rows.slot(link) : -1;
      const isError = linkSlot >= 0 && rows.kind[linkSlot] === 2;
      links = jump(link, <>{isError ? 'Error instead of reply' : `Reply #${linkSlot >= 0 ? rows.message[linkSlot] : '?'}`} · {formatDuration(latency)} →</>);
    } else {
      links = <span className="tag orange">No reply yet</span>;
    }
  } else if (kind === 'reply' && rows.inReplyTo[slot]! !== NONE) {
    links = link !== NONE ? jump(link, <>← In reply to #{rows.inReplyTo[slot]} · {formatDuration(latency)}</>) : <span className="faint">In reply to #{rows.inReplyTo[slot]} (left the view)</span>;
  } else if (kind === 'error' && link !== NONE) {
    links = jump(link, <>← Request #{rows.inReplyTo[slot]}</>);
  } else if (link !== NONE) {
    links = jump(link, <>Message #{message} →</>);
  }

  const session = useUi.getState().session;
  return (
    <div className="detail-header">
      <div className="headline">
        <span className={`badge-kind ${kind}`}>{kind === 'lifecycle' ? EVENT_KINDS[rows.eventKind[slot]!] : kind}</span>
        {message !== NONE && kind !== 'lifecycle' && <span className="num">#{message}</span>}
        <span className="route">
          {from}
          {to !== '' && ` → ${to}`}
          {serviceName(model, slot) !== '' && <span className="faint"> · {serviceName(model, slot)}</span>}
        </span>
      </div>
      {kind === 'message' && <span className="tag">{messageStyle(model, slot)}</span>}
      {flags.boosting && <span className="tag purple">boosting</span>}
      {flags.dropped && <span className="tag red">dropped</span>}
      {flags.failed && <span className="tag red">failed</span>}
      {links}
      <span className="toolbar-spacer" />
      {/* Composer: edit and resend this message, copy it as C. */}
      <DetailComposerActions row={row} />
      <span className="muted num" title={session ? formatWallTime(rows.t[slot]!, session.startedAtWallMs) : undefined}>
        {formatSessionTime(rows.t[slot]!)} s · seq {rows.seq[slot]}
      </span>
    </div>
  );
}

function RowFacts({ row }: { readonly row: number }) {
  const model = shown.model;
  const rows = model.rows;
  const slot = rows.slot(row);
  const session = useUi.getState().session;
  const facts: [string, ReactNode][] = [];
  const add = (label: string, value: ReactNode) => {
    if (value !== undefined && value !== '' && value !== null) facts.push([label, value]);
  };
  const opt = (value: number) => (value === NONE ? undefined : value);
  add('Summary', <span className="mono">{rows.summary[slot]}</span>);
  add('Event', EVENT_KINDS[rows.eventKind[slot]!]);
  add('Time', `${formatSessionTime(rows.t[slot]!)} s${session ? ` (${formatWallTime(rows.t[slot]!, session.startedAtWallMs)})` : ''}`);
  add('From', endpointName(model, rows.fromPid[slot]!));
  add('To', endpointName(model, rows.toPid[slot]!));
  add('Service', serviceName(model, slot));
  const job = rows.job[slot]!;
  if (job !== NONE && model.strings.text(job) !== serviceName(model, slot)) add('Job', model.strings.text(job));
  add('Connection', opt(rows.connection[slot]!));
  add('Message id', opt(rows.message[slot]!));
  add('In reply to', opt(rows.inReplyTo[slot]!));
  if (rows.kind[slot]! <= 1) add('Size', formatBytes(rows.size[slot]!));
  if (rows.latency[slot] !== NONE) add('Reply latency', formatDuration(rows.latency[slot]!));
  if (rows.handlerNs[slot] !== NONE) add('Handler ran', formatDuration(rows.handlerNs[slot]!));
  if (rows.tx[slot] !== NONE) add('Transactions after', rows.tx[slot]);
  const f = rows.flags[slot]!;
  const states = [
    f & RowFlag.delivered ? 'delivered' : '',
    f & RowFlag.handled ? 'handled' : '',
    f & RowFlag.replyCreated ? 'reply created' : '',
    f & RowFlag.answered ? 'answered' : '',
  ].filter((x) => x !== '');
  if (states.length > 0) add('Progress', states.join(' → '));
  return (
    <dl className="facts">
      {facts.map(([label, value]) => (
        <FactRow key={label} label={label} value={value} />
      ))}
    </dl>
  );
}

function FactRow({ label, value }: { readonly label: string; readonly value: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
