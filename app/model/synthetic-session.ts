/**
 * A deterministic generator of plausible sessions — jobs load, clients connect, requests get
 * replies (or errors), transactions and boosts rise and fall, a service crashes now and then —
 * for load tests and benchmarks of everything that consumes events. Same seed, same events.
 */
import type { WireEvent } from '../events/wire-event';
import type { DistributiveOmit, JobSummary, ServiceKind } from '../events/schema';

type WireInput = DistributiveOmit<WireEvent, 'seq' | 't'>;

export interface SyntheticOptions {
  /** Requests to generate (each yields about a dozen events: send, accounting, reply). */
  readonly requests: number;
  readonly services?: number;
  readonly clients?: number;
  readonly seed?: number;
  /** Every n-th request fails instead of being answered (0: never). Default 97. */
  readonly failEvery?: number;
  /** Every n-th request is a one-way message without a reply. Default 5. */
  readonly oneWayEvery?: number;
  /** Attach XPC-JSON payloads (default true). */
  readonly payloads?: boolean;
  /** Mean ns between requests (default 20 µs: 50k requests/s). */
  readonly spacingNs?: number;
  /** Emit delivery, handler, transaction and boost events (default true); false leaves sends and replies only. */
  readonly accounting?: boolean;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
const OPS = ['ping', 'fetch', 'store', 'resize', 'lookup', 'sync'];
const KINDS: readonly ServiceKind[] = ['launch-agent', 'xpc-service', 'launch-daemon'];

export function* syntheticSession(options: SyntheticOptions): Generator<WireEvent> {
  const random = mulberry32(options.seed ?? 1);
  const serviceCount = Math.max(1, options.services ?? 4);
  const clientCount = Math.max(1, options.clients ?? 6);
  const failEvery = options.failEvery ?? 97;
  const oneWayEvery = options.oneWayEvery ?? 5;
  const payloads = options.payloads ?? true;
  const spacing = options.spacingNs ?? 20_000;
  const accounting = options.accounting ?? true;

  let seq = 0;
  let t = 0;
  const stamp = (input: WireInput): WireEvent => ({ ...input, seq: ++seq, t }) as WireEvent;
  const ACCOUNTING_KINDS = new Set(['transaction', 'boost', 'message-delivered', 'message-handled', 'reply-created']);
  const keep = (kind: string): boolean => accounting || !ACCOUNTING_KINDS.has(kind);

  const jobs: JobSummary[] = [];
  for (let i = 0; i < serviceCount; i++) {
    const label = `com.example.${WORDS[i % WORDS.length]}${i >= WORDS.length ? i : ''}`;
    jobs.push({
      label,
      kind: KINDS[i % KINDS.length]!,
      machServices: [label],
      program: `/usr/local/libexec/${label}`,
      arguments: [],
      keepAlive: false,
      runAtLoad: false,
      throttleIntervalSec: 10,
      pressuredExit: true,
      adaptive: i % 2 === 0,
      file: `/Library/LaunchAgents/${label}.plist`,
    });
  }
  for (const job of jobs) yield stamp({ kind: 'job-loaded', job, warnings: [] });

  const clients: number[] = [];
  for (let i = 0; i < clientCount; i++) {
    const pid = 1000 + i;
    clients.push(pid);
    yield stamp({
      kind: 'process-attached',
      process: { pid, uid: 501, gid: 20, name: i % 2 === 0 ? `Client${i}` : `helper${i}` },
      processType: i % 2 === 0 ? 'app' : 'background',
    });
  }

  // One connection per (client, service); the service process is launched on first use.
  const servicePid = new Map<string, number>();
  const txCount = new Map<number, number>();
  const boostCount = new Map<number, number>();
  const connectionOf = new Map<string, number>();
  let nextPid = 2000;
  let nextConnection = 1;
  let nextMessage = 1;

  for (let r = 0; r < options.requests; r++) {
    t += Math.max(1, Math.round(spacing * (0.5 + random())));
    const out: [WireInput, number][] = [];
    const emit = (input: WireInput): void => {
      out.push([input, t]);
    };
    const client = clients[Math.floor(random() * clients.length)]!;
    const job = jobs[Math.floor(random() * jobs.length)]!;
    const key = `${client}/${job.label}`;

    let pid = servicePid.get(job.label);
    if (pid === undefined) {
      pid = nextPid++;
      servicePid.set(job.label, pid);
      txCount.set(pid, 0);
      boostCount.set(pid, 0);
      emit({ kind: 'process-launched', job: job.label, pid, reason: 'on-demand', boosted: false });
      emit({ kind: 'process-attached', process: { pid, uid: 501, gid: 20, name: job.label.split('.').pop()! }, processType: 'background', job: job.label });
    }
    let connection = connectionOf.get(key);
    if (connection === undefined) {
      connection = nextConnection++;
      connectionOf.set(key, connection);
      emit({ kind: 'connection-opened', connection, clientPid: client, service: job.label, privileged: job.kind === 'launch-daemon', api: 'connection', viaEndpoint: false });
      emit({ kind: 'connection-state', connection, state: 'active', suspendCount: 0 });
      emit({ kind: 'connection-bound', connection, servicePid: pid, job: job.label });
    }

    const expectsReply = oneWayEvery === 0 || r % oneWayEvery !== 0;
    const boosting = job.adaptive && client % 2 === 0;
    const op = OPS[r % OPS.length]!;
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    const count = Math.floor(random() * 1000);
    const request = nextMessage++;
    emit({
      kind: 'message-sent',
      message: request,
      connection,
      messageKind: 'message',
      fromPid: client,
      toPid: pid,
      service: job.label,
      expectsReply,
      sync: expectsReply && r % 7 === 0,
      size: 96 + word.length + (r % 64),
      boosting,
      value: payloads ? { op, name: word, count, id: r } : undefined,
      summary: `{op: "${op}", name: "${word}", count: ${count}}`,
    });

    const bump = (map: Map<number, number>, delta: number): number => {
      const next = (map.get(pid!) ?? 0) + delta;
      map.set(pid!, next);
      return next;
    };
    if (boosting) emit({ kind: 'boost', pid, job: job.label, delta: 1, count: bump(boostCount, 1), cause: 'message', message: request });
    emit({ kind: 'transaction', pid, job: job.label, delta: 1, count: bump(txCount, 1), cause: 'delivery', message: request });
    emit({ kind: 'message-delivered', message: request, toPid: pid });

    const handlerNs = Math.round(spacing * random());
    t += handlerNs;
    if (expectsReply) {
      const latency = handlerNs + 2_000;
      if (failEvery > 0 && r % failEvery === 0) {
        emit({ kind: 'message-handled', message: request, pid, durationNs: handlerNs });
        emit({ kind: 'transaction', pid, job: job.label, delta: -1, count: bump(txCount, -1), cause: 'handler-returned', message: request });
        emit({ kind: 'reply-failed', request, toPid: client, error: 'Connection interrupted', reason: `${job.label} exited before replying`, latencyNs: latency });
      } else {
        emit({ kind: 'reply-created', request, pid });
        emit({ kind: 'transaction', pid, job: job.label, delta: 1, count: bump(txCount, 1), cause: 'reply-created', message: request });
        const reply = nextMessage++;
        emit({
          kind: 'message-sent',
          message: reply,
          connection,
          messageKind: 'reply',
          fromPid: pid,
          toPid: client,
          service: job.label,
          expectsReply: false,
          sync: false,
          inReplyTo: request,
          size: 64 + (r % 32),
          boosting: false,
          value: payloads ? { status: 'ok', result: count * 2 } : undefined,
          summary: `{status: "ok", result: ${count * 2}}`,
        });
        emit({ kind: 'transaction', pid, job: job.label, delta: -1, count: bump(txCount, -1), cause: 'reply-sent', message: reply });
        if (boosting) emit({ kind: 'boost', pid, job: job.label, delta: -1, count: bump(boostCount, -1), cause: 'reply-sent', message: reply });
        emit({ kind: 'message-handled', message: request, pid, durationNs: handlerNs });
        emit({ kind: 'transaction', pid, job: job.label, delta: -1, count: bump(txCount, -1), cause: 'handler-returned', message: request });
        emit({ kind: 'reply-received', request, reply, toPid: client, latencyNs: latency });
      }
    } else {
      emit({ kind: 'message-handled', message: request, pid, durationNs: handlerNs });
      emit({ kind: 'transaction', pid, job: job.label, delta: -1, count: bump(txCount, -1), cause: 'handler-returned', message: request });
      if (boosting) emit({ kind: 'boost', pid, job: job.label, delta: -1, count: bump(boostCount, -1), cause: 'handled', message: request });
    }
    for (const [input, at] of out) {
      if (!keep(input.kind)) continue;
      t = at;
      yield stamp(input);
    }
    t = out.length > 0 ? out[out.length - 1]![1] : t;
  }
}

/** A small, fast, seedable PRNG (Mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
