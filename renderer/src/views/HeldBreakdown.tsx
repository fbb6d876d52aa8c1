/** What holds a transaction count above zero: running handlers, unsent replies, explicit begins. */
import type { HeldTransactions } from '../../../app/model';

export function HeldBreakdown({ held }: { readonly held: HeldTransactions }) {
  const parts: [string, number, string][] = [
    ['H', held.handlers, 'messages whose handler is still running'],
    ['R', held.replies, 'replies created but not sent yet'],
    ['E', held.explicit, 'xpc_transaction_begin without an end'],
  ];
  return (
    <span className="held-breakdown">
      {parts
        .filter(([, n]) => n > 0)
        .map(([letter, n, title]) => (
          <span key={letter} className={`tag ${letter === 'E' ? 'orange' : ''}`} title={`${n} ${title}`}>
            {letter} {n}
          </span>
        ))}
    </span>
  );
}
