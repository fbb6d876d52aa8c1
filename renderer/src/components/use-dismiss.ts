/**
 * How every popover and menu closes: on Escape, or on a press outside it. `inside` is the
 * element whose presses keep it open (the popover, or the popover with its toggle button).
 */
import { useEffect, type RefObject } from 'react';

export interface DismissOptions {
  /** Listen only while this holds (a menu that is closed has nothing to dismiss). */
  readonly active?: boolean;
  /** The press that dismisses (default mousedown). */
  readonly pressEvent?: 'mousedown' | 'pointerdown';
  /** Start listening for presses after the current event, so the press that opened it does not close it. */
  readonly deferPress?: boolean;
  /** Presses on the parent of `ref` (the button that toggles the popover) count as inside. */
  readonly parentIsInside?: boolean;
}

export function useDismiss(ref: RefObject<HTMLElement | null>, onDismiss: () => void, options: DismissOptions = {}): void {
  const { active = true, pressEvent = 'mousedown', deferPress = false, parentIsInside = false } = options;
  useEffect(() => {
    if (!active) return;
    const close = (event: Event) => {
      const inside = parentIsInside ? ref.current?.parentElement : ref.current;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !inside?.contains(event.target as Node)) onDismiss();
    };
    const timer = deferPress ? setTimeout(() => window.addEventListener(pressEvent, close)) : undefined;
    if (!deferPress) window.addEventListener(pressEvent, close);
    window.addEventListener('keydown', close);
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      window.removeEventListener(pressEvent, close);
      window.removeEventListener('keydown', close);
    };
  }, [active, onDismiss, ref, pressEvent, deferPress, parentIsInside]);
}
