/** A toolbar popover that closes on Escape or a click outside it. */
import { useEffect, useRef, type ReactNode } from 'react';

export function Popover({ onClose, className, testId, children }: { readonly onClose: () => void; readonly className?: string; readonly testId: string; readonly children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !ref.current?.parentElement?.contains(event.target as Node)) onClose();
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
    };
  }, [onClose]);
  return (
    <div className={`popover toolbar-popover ${className ?? ''}`} ref={ref} data-testid={testId} role="menu">
      {children}
    </div>
  );
}
