/**
 * A deterministic stream of realistic events — the shape of real broker traffic: clients
 * connecting, services launching, request/reply round trips with their transaction and boost
 * accounting, and the odd line of service output. Used where a capture of a given size is needed
 * (the journal benchmark, the crash test's writer, the CLI tests).
 */
import type { InspectorEvent } from '../../app/events/schema';
import { xpc } from '../../app/xpc/value';

const SERVICES = ['com.example.echo', 'com.example.keychain-helper', 'com.example.indexer', 'com.example.renderer'];

/** `count` events with seq 1…count, 37 µs apart. */
export function* sampleEvents(count: number): Generator<InspectorEvent> {
  let seq = 0;
  let message = 0;
  let connection = 0;
  const out: InspectorEvent[] = [];
  const emit = (event: Record<string, unknown>): void => {
    seq++;
    out.push({ seq, t: seq * 37_000, ...event } as unknown as InspectorEvent);
  };
  let round = 0;
  while (seq < count) {
    const service = SERVICES[round % SERVICES.length]!;
    const clientPid = 4000 + (round % 50);
    const servicePid = 7000 + (round % SERVICES.length);
    if (round % 100 === 0) {
      connection++;
      emit({ kind: 'connection-opened', connection, clientPid, service, privileged: false, api: 'connection', viaEndpoint: false });
      emit({ kind: 'connection-bound', connection, servicePid, job: service });
    }
    const request = ++message;
    const payload = xpc.dictionary([
      ['op', xpc.string(round % 3 === 0 ? 'fetch' : 'echo')],
      ['id', xpc.int64(request)],
      ['flags', xpc.uint64(round & 7)],
      ['path', xpc.string(`/Users/demo/Documents/report-${round % 1000}.pdf`)],
      ['urgent', xpc.bool(round % 5 === 0)],
    ]);
    emit({
      kind: 'message-sent', message: request, connection, messageKind: 'message', fromPid: clientPid, toPid: servicePid, service,
      expectsReply: true, sync: false, size: 212, boosting: round % 4 === 0, value: payload, summary: `op=${round % 3 === 0 ? 'fetch' : 'echo'} id=${request}`,
    });
    emit({ kind: 'transaction', pid: servicePid, job: service, delta: 1, count: 1, cause: 'delivery', message: request });
    emit({ kind: 'message-delivered', message: request, toPid: servicePid });
    emit({ kind: 'reply-created', request, pid: servicePid });
    emit({ kind: 'transaction', pid: servicePid, job: service, delta: 1, count: 2, cause: 'reply-created', message: request });
    emit({ kind: 'message-handled', message: request, pid: servicePid, durationNs: 18_000 + (round % 97) * 100 });
    emit({ kind: 'transaction', pid: servicePid, job: service, delta: -1, count: 1, cause: 'handler-returned', message: request });
    const reply = ++message;
    emit({
      kind: 'message-sent', message: reply, connection, messageKind: 'reply', fromPid: servicePid, toPid: clientPid, service,
      expectsReply: false, sync: false, inReplyTo: request, size: 96, boosting: false,
      value: xpc.dictionary([['status', xpc.int64(0)], ['bytes', xpc.data(new Uint8Array([1, 2, 3, round & 0xff]))]]), summary: 'status=0',
    });
    emit({ kind: 'transaction', pid: servicePid, job: service, delta: -1, count: 0, cause: 'reply-sent', message: reply });
    emit({ kind: 'reply-received', request, reply, toPid: clientPid, latencyNs: 41_000 + (round % 89) * 100 });
    if (round % 50 === 7) emit({ kind: 'process-output', pid: servicePid, job: service, stream: 'stderr', text: `handled ${request} requests, "ok"` });
    round++;
    for (const event of out) if (event.seq <= count) yield event;
    out.length = 0;
  }
}
