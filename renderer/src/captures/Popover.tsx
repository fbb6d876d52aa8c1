/** A toolbar popover that closes on Escape or a click outside it. */
import { useRef, type ReactNode } from 'react';
import { useDismiss } from '../components/use-dismiss';

export function Popover({ onClose, className, testId, children }: { readonly onClose: () => void; readonly className?: string; readonly testId: string; readonly children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, onClose, { parentIsInside: true });
  return (
    <div className={`popover toolbar-popover ${className ?? ''}`} ref={ref} data-testid={testId} role="menu">
      {children}
    </div>
  );
}
