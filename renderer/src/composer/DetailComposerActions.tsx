/**
 * The composer's actions on a captured message, in the detail pane's header: "Edit and resend"
 * (opens the composer with the message's service, mode and payload) and "Copy as C".
 */
import { useMemo } from 'react';
import { RowFlag } from '../../../app/model';
import { fromXpcJson } from '../../../app/xpc/json';
import type { XpcValue } from '../../../app/xpc/value';
import { CopyIcon } from '../components/icons';
import { useMessageDetail } from '../detail/message-detail';
import { shown } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { rowKind, serviceName } from '../timeline/row-facts';
import { ResendIcon } from './composer-icons';
import { useComposer } from './composer-store';
import { copyText, copyToClipboard } from './CopyAsMenu';
import { resendDraft } from './resend';

/** `row` is the selected timeline row; only message, reply and error-reply rows get the actions. */
export function DetailComposerActions({ row }: { readonly row: number }) {
  const capture = useUi((s) => s.session?.mode === 'capture');
  const rows = shown.model.rows;
  const slot = rows.has(row) ? rows.slot(row) : -1;
  const kind = slot >= 0 ? rowKind(shown.model, slot) : 'lifecycle';
  const isMessage = kind === 'message' || kind === 'reply' || (kind === 'error' && rows.eventKind[slot] === 0);
  // The host's copy (getMessage) is the message as sent; the row only holds recent payloads.
  const fetched = useMessageDetail(isMessage ? rows.message[slot] : undefined);
  const tree: unknown = fetched.status === 'loaded' && fetched.detail?.value !== undefined ? fetched.detail.value : isMessage ? rows.detail[slot] : undefined;
  const value = useMemo((): XpcValue | undefined => {
    if (tree === undefined) return undefined;
    try {
      return fromXpcJson(tree);
    } catch {
      return undefined;
    }
  }, [tree]);

  if (!isMessage) return null;
  const unavailable = value === undefined ? (fetched.status === 'loading' ? 'Loading the payload…' : 'The payload of this message is no longer held') : undefined;

  const resend = () => {
    if (value === undefined) return;
    const flags = rows.flags[slot]!;
    const composer = useComposer.getState();
    const draft = resendDraft(
      { service: serviceName(shown.model, slot), expectsReply: (flags & RowFlag.expectsReply) !== 0, sync: (flags & RowFlag.sync) !== 0, payload: value },
      composer.draft.processType,
      useUi.getState().jobs,
    );
    composer.openComposer(draft);
  };

  return (
    <>
      <button
        type="button"
        className="push-button small"
        data-testid="copy-c-code"
        disabled={value === undefined}
        title={unavailable ?? 'Copy C code that builds this payload with libxpc'}
        onClick={() => value !== undefined && copyToClipboard(copyText(value, 'c'), 'the payload as C code')}
      >
        <CopyIcon size={11} /> C
      </button>
      {!capture && (
        <button
          type="button"
          className="push-button small"
          data-testid="detail-resend"
          disabled={value === undefined}
          title={unavailable ?? 'Open this message in the composer to edit it and send it again'}
          onClick={resend}
        >
          <ResendIcon size={11} /> Edit and resend
        </button>
      )}
    </>
  );
}
