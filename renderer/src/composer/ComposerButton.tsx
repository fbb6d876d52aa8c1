/** The toolbar's way into the composer (live sessions only: a capture has no broker to send to). */
import { useUi } from '../state/ui-store';
import { SendIcon } from './composer-icons';
import { useComposer } from './composer-store';

export function ComposerButton() {
  const open = useComposer((s) => s.open);
  const toggle = useComposer((s) => s.toggleComposer);
  const capture = useUi((s) => s.session?.mode === 'capture');
  if (capture) return null;
  return (
    <button
      type="button"
      className="tool-button"
      data-testid="composer-open"
      aria-pressed={open}
      title="Send a test message to a service, as a real client of the broker"
      onClick={toggle}
    >
      <SendIcon />
      Compose
    </button>
  );
}
