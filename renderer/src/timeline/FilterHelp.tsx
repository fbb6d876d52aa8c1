/** The filter syntax at a glance, with clickable examples. */
import { useRef } from 'react';
import { useDismiss } from '../components/use-dismiss';

const ROWS: readonly (readonly [string, string])[] = [
  ['service:com.example.echo', 'service name or job label contains the text (* is a wildcard)'],
  ['pid:123  from:Mail  to:456', 'either end, the sender, the receiver (pid or process name)'],
  ['kind:reply', 'message, reply, error, lifecycle, output — or an event kind such as process-exited'],
  ['has:error', 'error, reply, payload, latency, boost, warning'],
  ['is:unanswered', 'unanswered, answered, failed, dropped, sync, async, oneway, request, boosting, probe…'],
  ['latency>5ms', 'also handler, size (kb, mb), tx, seq, conn, msg; operators > >= < <= = !='],
  ['"hello world"', 'free text: summaries and payload values, case-insensitive'],
  ['-kind:lifecycle  !is:sync', 'negation (also NOT)'],
  ['kind:error OR is:unanswered', 'terms side by side must all match; OR and ( ) combine'],
];

const EXAMPLES = ['is:unanswered', 'has:error', 'latency>5ms kind:message', 'kind:lifecycle -kind:output', '-kind:output -kind:lifecycle'];

export function FilterHelp({ onPick, onClose }: { readonly onPick: (example: string) => void; readonly onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, onClose, { deferPress: true });
  return (
    <div className="popover help-popover" ref={ref} style={{ right: 10, top: 'calc(100% + 4px)' }} role="dialog" aria-label="Filter syntax">
      <h3>Filter syntax</h3>
      <table>
        <tbody>
          {ROWS.map(([syntax, meaning]) => (
            <tr key={syntax}>
              <td>{syntax}</td>
              <td className="muted">{meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 style={{ marginTop: 10 }}>Try</h3>
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
        {EXAMPLES.map((example) => (
          <button key={example} type="button" className="example" onClick={() => onPick(example)}>
            {example}
          </button>
        ))}
      </div>
    </div>
  );
}
