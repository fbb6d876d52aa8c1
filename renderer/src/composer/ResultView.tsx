/**
 * The outcome of the last send, in place under the editor: the reply as a collapsible tree (the
 * detail pane's), as XPC-JSON or as its description; or the error the client got, with the
 * invalidation reason — and the latency, and a link to the message in the timeline.
 */
import { useMemo, useState } from 'react';
import type { SendTestMessageResult } from '../../../app/bridge/contract';
import { formatDuration, NONE } from '../../../app/model';
import { XPC_ERROR_CONSTANTS } from '../../../app/xpc/c-code';
import { describeXpc } from '../../../app/xpc/describe';
import { fromXpcJson, printXpcJson, XpcJsonError } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import { ChevronIcon } from '../components/icons';
import { ValueTree } from '../detail/ValueTree';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { useComposer, type SendState } from './composer-store';
import { CopyAsMenu } from './CopyAsMenu';

type ReplyTab = 'tree' | 'json' | 'description';

export function ResultView() {
  const send = useComposer((s) => s.send);
  const [collapsed, setCollapsed] = useState(false);
  if (send.status === 'idle') return null;
  return (
    <section className={`composer-result ${resultClass(send)}`} data-testid="composer-result" data-status={resultStatus(send)} aria-live="polite">
      <header className="composer-result-header">
        <button type="button" className={`disclosure ${collapsed ? '' : 'open'}`} aria-expanded={!collapsed} aria-label={collapsed ? 'Show the outcome' : 'Hide the outcome'} onClick={() => setCollapsed(!collapsed)}>
          <ChevronIcon size={10} />
        </button>
        <Headline send={send} />
      </header>
      {!collapsed && <Body send={send} />}
    </section>
  );
}

function resultStatus(send: SendState): string {
  if (send.status !== 'done') return send.status;
  return send.result.ok ? 'ok' : 'error';
}

function resultClass(send: SendState): string {
  const status = resultStatus(send);
  return status === 'error' || status === 'refused' ? 'failed' : status;
}

function Headline({ send }: { readonly send: SendState }) {
  if (send.status === 'sending') {
    return (
      <span className="composer-result-title">
        <span className="composer-spinner" aria-hidden="true" /> Sending to <span className="mono">{send.draft.service}</span>…
      </span>
    );
  }
  if (send.status === 'refused') return <span className="composer-result-title">Not sent</span>;
  if (send.status !== 'done') return null;
  const { result, draft } = send;
  const constant = result.ok ? undefined : XPC_ERROR_CONSTANTS.get(result.error);
  return (
    <>
      <span className="composer-result-title">
        {result.ok ? (
          <span className="tag green">{draft.mode === 'send' ? 'Delivered' : 'Reply'}</span>
        ) : (
          <span className="tag red" data-testid="composer-result-error">
            {constant ?? result.error}
          </span>
        )}
        <span className="mono">{draft.service}</span>
      </span>
      {result.latencyNs !== undefined && (
        <span className="composer-latency num" data-testid="composer-latency" title="From the send to the reply (or delivery, or error), measured by the sending client">
          {formatDuration(result.latencyNs)}
        </span>
      )}
      <span className="toolbar-spacer" />
      {result.message !== undefined && <ShowInTimeline message={result.message} />}
    </>
  );
}

function ShowInTimeline({ message }: { readonly message: number }) {
  const notify = useUi((s) => s.notify);
  return (
    <button
      type="button"
      className="link-button"
      data-testid="composer-show-in-timeline"
      onClick={() => {
        const row = shown.model.rowOfMessage(message);
        if (row === NONE || !shown.model.rows.has(row)) {
          notify('info', `Message #${message} is not in the timeline (it has not arrived yet, or the view was cleared).`);
          return;
        }
        const ui = useUi.getState();
        ui.setView('timeline');
        ui.setFollowLive(false);
        ui.select(row);
      }}
    >
      #{message} in the timeline →
    </button>
  );
}

function Body({ send }: { readonly send: SendState }) {
  if (send.status === 'sending') return null;
  if (send.status === 'refused') return <div className="composer-result-note error selectable">{send.error}</div>;
  if (send.status !== 'done') return null;
  const { result } = send;
  if (!result.ok) {
    const constant = XPC_ERROR_CONSTANTS.get(result.error);
    return (
      <div className="composer-result-failure">
        <div className="selectable">
          {constant !== undefined && <span className="composer-error-description">{result.error}</span>}
          {constant !== undefined && ': '}
          <span data-testid="composer-result-reason">{result.reason}</span>
        </div>
      </div>
    );
  }
  if (result.reply === undefined) {
    return <div className="composer-result-note">The service took the message; a one-way send expects no reply.</div>;
  }
  return <Reply tree={result.reply} description={result.replyDescription} />;
}

function Reply({ tree, description }: { readonly tree: unknown; readonly description: string | undefined }) {
  const [tab, setTab] = useState<ReplyTab>('tree');
  const converted = useMemo((): { value?: XpcValue; error?: string } => {
    try {
      return { value: fromXpcJson(tree) };
    } catch (error) {
      return { error: error instanceof XpcJsonError ? error.message : String(error) };
    }
  }, [tree]);
  const value = converted.value;
  if (value === undefined) return <div className="composer-result-note error">The reply is not valid XPC-JSON: {converted.error}</div>;
  return (
    <div className="composer-reply">
      <div className="pane-tabs">
        <div className="segmented" role="group" aria-label="Show the reply as">
          <button type="button" aria-pressed={tab === 'tree'} onClick={() => setTab('tree')}>
            Tree
          </button>
          <button type="button" aria-pressed={tab === 'json'} onClick={() => setTab('json')}>
            XPC-JSON
          </button>
          <button type="button" aria-pressed={tab === 'description'} onClick={() => setTab('description')}>
            Description
          </button>
        </div>
        <span className="title" />
        <CopyAsMenu value={value} what="the reply" testId="composer-copy-reply" />
      </div>
      <div className="composer-reply-body">
        {tab === 'tree' ? (
          <ValueTree value={value} />
        ) : (
          <pre className="pre" data-testid="composer-reply-text">
            {tab === 'json' ? printXpcJson(value) : (description ?? describeXpc(value))}
          </pre>
        )}
      </div>
    </div>
  );
}
