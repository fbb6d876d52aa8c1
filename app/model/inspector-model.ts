/**
 * The inspector's derived state, computed incrementally from the event stream: the timeline
 * rows (columnar, bounded), services, processes, connections, request ↔ reply links, reply
 * latencies, outstanding replies and per-service transaction history.
 *
 * Every consumer builds state the same way — the renderer from live batches, the host for
 * snapshots, capture import from a file — so an imported capture shows exactly what the live
 * session showed. Applying an event is O(1) amortised; nothing here allocates per message row
 * beyond its two strings.
 */
import type { WireEvent } from '../events/wire-event';
import type { ModelSnapshot } from './snapshot';
import type { ConnectionState, ServiceState, TransactionCause } from '../events/schema';
import {
  emptyHeld,
  newServiceRecord,
  type ConnectionRecord,
  type ExitRecord,
  type HeldTransactions,
  type JobError,
  type ModelTotals,
  type OutstandingReply,
  type ProcessRecord,
  type ServiceRecord,
} from './entities';
import { IdIndex } from './id-index';
import { lifecycleSummary } from './lifecycle-text';
import { DEFAULT_PAYLOAD_TEXT_LIMIT, missingPayloadWords } from './payload-text';
import { DEFAULT_ROW_CAPACITY, EVENT_KIND_CODE, NONE, ROW_KIND_CODE, RowFlag, RowStore, type RowKind } from './row-store';
import { StringTable } from './string-table';
import { TransactionSeries, type SeriesCause, type SeriesOptions } from './transaction-series';

export interface ModelOptions {
  /** Timeline rows kept for view (default 1 000 000); older rows are dropped and counted. */
  readonly rowCapacity?: number;
  /** Most recent message rows whose payload stays attached to the row (default 20 000). */
  readonly payloadWindow?: number;
  /** Characters of payload text kept per row for free-text search (default 240). */
  readonly payloadTextLimit?: number;
  /** Exited processes remembered (default 1000). */
  readonly exitedProcesses?: number;
  /** Closed connections remembered (default 2000). */
  readonly closedConnections?: number;
  /** Output lines kept per process (default 200). */
  readonly outputLines?: number;
  readonly series?: SeriesOptions;
}

export interface Mutations {
  /** Existing rows whose columns changed since the last take (absolute numbers, may repeat). */
  readonly rows: readonly number[];
  /** True when more rows changed than are listed: re-read everything. */
  readonly overflow: boolean;
}

const MAX_TRACKED_MUTATIONS = 65_536;
const CONNECTION_HISTORY = 32;

const CLOSED_STATES: ReadonlySet<ConnectionState> = new Set(['canceled', 'invalidated']);

export class InspectorModel {
  readonly rows: RowStore;
  readonly strings = new StringTable();
  readonly totals: ModelTotals = {
    events: 0,
    messages: 0,
    replies: 0,
    errors: 0,
    lifecycle: 0,
    output: 0,
    bytes: 0,
    missedEvents: 0,
    missedBeforeStart: 0,
    firstSeq: 0,
    lastSeq: 0,
    firstT: 0,
    lastT: 0,
  };
  /** Bumped by every apply / clear; readers compare it to know when to re-read. */
  version = 0;

  private readonly servicesByLabel = new Map<string, ServiceRecord>();
  private readonly jobOfMachService = new Map<string, string>();
  private readonly processesByPid = new Map<number, ProcessRecord>();
  private readonly exitedOrder: ProcessRecord[] = [];
  private readonly connectionsById = new Map<number, ConnectionRecord>();
  private readonly closedOrder: ConnectionRecord[] = [];
  private readonly outstanding = new Map<number, OutstandingReply>();
  private readonly seriesByJob = new Map<string, TransactionSeries>();
  private readonly jobErrorList: JobError[] = [];
  /** message id → absolute row of its message-sent row (only rows still held). */
  private readonly rowOfMessageId = new IdIndex(16_384);
  private mutated: number[] = [];
  private mutationOverflow = false;

  private readonly payloadWindow: number;
  private readonly payloadTextLimit: number;
  private readonly maxExited: number;
  private readonly maxClosed: number;
  private readonly maxOutput: number;
  private readonly seriesOptions: SeriesOptions;
  private readonly evict = (row: number, slot: number): void => {
    const message = this.rows.message[slot]!;
    if (message !== NONE && this.rows.kind[slot] !== ROW_KIND_CODE.lifecycle && this.rowOfMessageId.get(message) === row) {
      this.rowOfMessageId.delete(message);
    }
    this.rows.detail[slot] = undefined;
  };
  private readonly nameOf = (pid: number): string => this.processName(pid);

  constructor(options: ModelOptions = {}) {
    this.rows = new RowStore(options.rowCapacity ?? DEFAULT_ROW_CAPACITY);
    this.payloadWindow = Math.max(0, options.payloadWindow ?? 20_000);
    this.payloadTextLimit = options.payloadTextLimit ?? DEFAULT_PAYLOAD_TEXT_LIMIT;
    this.maxExited = options.exitedProcesses ?? 1000;
    this.maxClosed = options.closedConnections ?? 2000;
    this.maxOutput = options.outputLines ?? 200;
    this.seriesOptions = options.series ?? {};
  }

  // ---- reading -----------------------------------------------------------------------------

  services(): readonly Readonly<ServiceRecord>[] {
    return [...this.servicesByLabel.values()];
  }

  service(label: string): Readonly<ServiceRecord> | undefined {
    return this.servicesByLabel.get(label);
  }

  processes(): readonly Readonly<ProcessRecord>[] {
    return [...this.processesByPid.values()];
  }

  process(pid: number): Readonly<ProcessRecord> | undefined {
    return this.processesByPid.get(pid);
  }

  connections(): readonly Readonly<ConnectionRecord>[] {
    return [...this.connectionsById.values()];
  }

  connection(id: number): Readonly<ConnectionRecord> | undefined {
    return this.connectionsById.get(id);
  }

  /** Requests still waiting for their reply, oldest first. */
  outstandingReplies(): readonly OutstandingReply[] {
    return [...this.outstanding.values()];
  }

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  series(job: string): TransactionSeries | undefined {
    return this.seriesByJob.get(job);
  }

  allSeries(): readonly TransactionSeries[] {
    return [...this.seriesByJob.values()];
  }

  jobErrors(): readonly JobError[] {
    return this.jobErrorList;
  }

  /** The job whose MachServices include `service`, if any job does. */
  jobForService(service: string): string | undefined {
    return this.jobOfMachService.get(service) ?? (this.servicesByLabel.get(service)?.job !== undefined ? service : undefined);
  }

  /** A display name for a pid: its process name, else its job, else "pid N". */
  processName(pid: number): string {
    if (pid < 0) return 'runtime';
    const p = this.processesByPid.get(pid);
    if (p !== undefined && p.name !== '') return p.name;
    if (p?.job !== undefined) return p.job;
    return `pid ${pid}`;
  }

  /** The row of a message (its message-sent row), or -1 when not held. */
  rowOfMessage(message: number): number {
    return this.rowOfMessageId.get(message) ?? NONE;
  }

  /** Rows changed after they were appended since the previous call (latency set, reply linked…). */
  takeMutations(): Mutations {
    const result: Mutations = { rows: this.mutated, overflow: this.mutationOverflow };
    this.mutated = [];
    this.mutationOverflow = false;
    return result;
  }

  // ---- writing -----------------------------------------------------------------------------

  applyBatch(events: readonly WireEvent[]): void {
    for (const event of events) this.applyOne(event);
    this.version++;
  }

  apply(event: WireEvent): void {
    this.applyOne(event);
    this.version++;
  }

  /**
   * Starts from a host's snapshot instead of the events before it: for a window that joins
   * after the host's window of recent events has moved on (a reload after a long session or
   * after Clear). Events with seqs after the snapshot's then apply as usual. The timeline and
   * the transaction charts start at the snapshot; the capture on disk holds what came before.
   */
  seed(snapshot: ModelSnapshot): void {
    if (this.totals.lastSeq !== 0) throw new Error(`only an empty model can be seeded; this one has events up to seq ${this.totals.lastSeq}`);
    for (const service of snapshot.services) {
      this.servicesByLabel.set(service.label, { ...service, pids: [...service.pids], held: { ...service.held } });
      for (const name of service.job?.machServices ?? []) this.jobOfMachService.set(name, service.label);
    }
    for (const process of snapshot.processes) {
      const record: ProcessRecord = { ...process, held: { ...process.held }, output: [] };
      this.processesByPid.set(record.pid, record);
      if (record.state === 'exited' || record.state === 'detached') this.exitedOrder.push(record);
    }
    for (const connection of snapshot.connections) {
      const record: ConnectionRecord = { ...connection, history: [...connection.history] };
      this.connectionsById.set(record.id, record);
      if (CLOSED_STATES.has(record.state)) this.closedOrder.push(record);
    }
    // Their rows belong to the host's timeline, not to this one.
    for (const reply of snapshot.outstandingReplies) this.outstanding.set(reply.message, { ...reply, row: NONE });
    this.jobErrorList.push(...snapshot.jobErrors);
    Object.assign(this.totals, snapshot.totals);
    this.mutationOverflow = true;
    this.version++;
  }

  /**
   * Empties the timeline (what the user cleared); services, processes, connections and
   * transaction history keep describing the live system.
   */
  clearTimeline(): void {
    this.rows.clear(this.evict);
    this.rowOfMessageId.clear();
    this.mutated = [];
    this.mutationOverflow = true;
    this.version++;
  }

  private applyOne(event: WireEvent): void {
    const totals = this.totals;
    if (event.seq <= totals.lastSeq) return; // a replay overlap after a reconnect
    if (totals.lastSeq === 0) {
      totals.firstSeq = event.seq;
      totals.firstT = event.t;
      totals.missedBeforeStart = event.seq - 1;
    } else if (event.seq > totals.lastSeq + 1) {
      totals.missedEvents += event.seq - totals.lastSeq - 1;
    }
    totals.lastSeq = event.seq;
    if (event.t > totals.lastT) totals.lastT = event.t;
    totals.events++;

    switch (event.kind) {
      case 'message-sent':
        return this.onMessageSent(event);
      case 'message-delivered':
        return this.onDelivered(event);
      case 'message-handled':
        return this.onHandled(event);
      case 'reply-created':
        return this.onReplyCreated(event);
      case 'reply-received':
        return this.onReplyReceived(event);
      case 'reply-failed':
        return this.onReplyFailed(event);
      case 'message-dropped':
        return this.onDropped(event);
      case 'transaction':
        return this.onTransaction(event);
      case 'boost':
        return this.onBoost(event);
      case 'job-loaded':
        return this.onJobLoaded(event);
      case 'job-failed':
        return this.onJobFailed(event);
      case 'process-launched':
        return this.onLaunched(event);
      case 'process-exited':
        return this.onExited(event);
      case 'process-attached':
        return this.onAttached(event);
      case 'process-detached':
        return this.onDetached(event);
      case 'process-output':
        return this.onOutput(event);
      case 'launch-throttled':
        return this.onThrottled(event);
      case 'connection-opened':
        return this.onConnectionOpened(event);
      case 'connection-state':
        return this.onConnectionState(event);
      case 'connection-bound':
        return this.onConnectionBound(event);
      case 'peer-rejected':
        return this.onPeerRejected(event);
      case 'idle':
        return this.onIdle(event);
      case 'transaction-long-held':
        return this.onLongHeld(event);
      case 'termination-imminent':
        return this.onTerminationImminent(event);
    }
  }

  // ---- messages ----------------------------------------------------------------------------

  private onMessageSent(e: Extract<WireEvent, { kind: 'message-sent' }>): void {
    const conn = this.connectionsById.get(e.connection);
    const fromClient = conn !== undefined && e.fromPid === conn.clientPid;
    const toPid = e.toPid ?? (conn === undefined ? NONE : fromClient ? (conn.servicePid ?? NONE) : conn.clientPid);
    const jobLabel = conn?.job ?? this.jobOfMachService.get(e.service);
    const rowKind: RowKind = e.messageKind;

    let flags = RowFlag.hasPayload * (e.value !== undefined ? 1 : 0);
    if (e.expectsReply) flags |= RowFlag.expectsReply;
    if (e.sync) flags |= RowFlag.sync;
    if (e.boosting) flags |= RowFlag.boosting;
    if (e.observedBy === 'probe') flags |= RowFlag.probe;
    if (rowKind === 'error') flags |= RowFlag.error;

    const summary = e.summary;
    const payloadWords = e.value === undefined ? '' : missingPayloadWords(summary, e.value, this.payloadTextLimit);

    const row = this.rows.append(
      {
        seq: e.seq,
        t: e.t,
        kind: ROW_KIND_CODE[rowKind],
        eventKind: EVENT_KIND_CODE['message-sent'],
        flags,
        fromPid: e.fromPid,
        toPid,
        connection: e.connection,
        message: e.message,
        inReplyTo: e.inReplyTo ?? NONE,
        size: e.size,
        service: this.strings.intern(e.service),
        job: jobLabel === undefined ? NONE : this.strings.intern(jobLabel),
        summary,
        payloadWords,
        detail: e.value,
      },
      this.evict,
    );
    this.rowOfMessageId.set(e.message, row);
    // Only the most recent payloads stay attached; older ones are fetched from the host on demand.
    if (this.payloadWindow < this.rows.capacity && row >= this.payloadWindow) {
      const old = row - this.payloadWindow;
      if (this.rows.has(old)) {
        const slot = this.rows.slot(old);
        if (this.rows.kind[slot]! <= ROW_KIND_CODE.reply) this.rows.detail[slot] = undefined;
      }
    }

    const totals = this.totals;
    totals.bytes += e.size;
    if (rowKind === 'message') totals.messages++;
    else if (rowKind === 'reply') totals.replies++;
    else totals.errors++;

    if (e.inReplyTo !== undefined) {
      this.linkReply(e.inReplyTo, row, e.t);
      // The service no longer owes this reply, even if it is still on its way.
      this.resolveOutstanding(e.inReplyTo, e.t);
    }

    const sender = this.processesByPid.get(e.fromPid);
    if (sender !== undefined) sender.messagesSent++;
    const senderJob = sender?.job !== undefined ? this.servicesByLabel.get(sender.job) : undefined;
    if (senderJob !== undefined) {
      senderJob.messagesOut++;
      senderJob.lastActivity = e.t;
      if (rowKind === 'reply') this.rows.tx[this.rows.slot(row)] = sender!.transactions;
    }
    if (rowKind === 'error' && senderJob !== undefined) senderJob.errors++;
    if (jobLabel !== undefined && (senderJob === undefined || senderJob.label !== jobLabel)) {
      const target = this.servicesByLabel.get(jobLabel);
      if (target !== undefined) {
        target.messagesIn++;
        target.lastActivity = e.t;
      }
    }
    if (conn !== undefined) {
      if (fromClient) {
        conn.messagesOut++;
        conn.bytesOut += e.size;
      } else {
        conn.messagesIn++;
        conn.bytesIn += e.size;
      }
      if (rowKind === 'error') conn.errors++;
      conn.lastActivity = e.t;
    }

    if (e.expectsReply && rowKind === 'message') {
      this.outstanding.set(e.message, {
        message: e.message,
        row,
        t: e.t,
        fromPid: e.fromPid,
        toPid,
        service: e.service,
        job: jobLabel,
        connection: e.connection,
        sync: e.sync,
        summary,
      });
      if (conn !== undefined) conn.outstandingReplies++;
      this.changeOutstanding(jobLabel, +1, e.t, toPid);
    }
  }

  /** Ties a reply row to its request row in both directions and marks the request answered. */
  private linkReply(request: number, replyRow: number, t: number): void {
    const requestRow = this.rowOfMessageId.get(request);
    if (requestRow === undefined) return;
    const rows = this.rows;
    const rs = rows.slot(requestRow);
    const ps = rows.slot(replyRow);
    rows.link[rs] = replyRow;
    rows.link[ps] = requestRow;
    rows.flags[rs]! |= RowFlag.answered;
    // Provisional latency until reply-received states the exact one.
    const latency = t - rows.t[rs]!;
    if (rows.latency[rs] === NONE) rows.latency[rs] = latency;
    rows.latency[ps] = rows.latency[rs]!;
    this.markMutated(requestRow);
  }

  private onDelivered(e: Extract<WireEvent, { kind: 'message-delivered' }>): void {
    const row = this.rowOfMessageId.get(e.message);
    if (row !== undefined) {
      const s = this.rows.slot(row);
      this.rows.toPid[s] = e.toPid;
      this.rows.flags[s]! |= RowFlag.delivered;
      this.markMutated(row);
      const conn = this.connectionsById.get(this.rows.connection[s]!);
      if (conn !== undefined && conn.peer.result === 'unchecked' && this.rows.fromPid[s] === conn.clientPid) conn.peer = { result: 'accepted' };
    }
    const receiver = this.processesByPid.get(e.toPid);
    if (receiver !== undefined) {
      receiver.messagesReceived++;
      this.wake(receiver);
    }
  }

  private onHandled(e: Extract<WireEvent, { kind: 'message-handled' }>): void {
    const row = this.rowOfMessageId.get(e.message);
    if (row === undefined) return;
    const s = this.rows.slot(row);
    this.rows.flags[s]! |= RowFlag.handled;
    this.rows.handlerNs[s] = e.durationNs;
    this.markMutated(row);
  }

  private onReplyCreated(e: Extract<WireEvent, { kind: 'reply-created' }>): void {
    const row = this.rowOfMessageId.get(e.request);
    if (row === undefined) return;
    this.rows.flags[this.rows.slot(row)]! |= RowFlag.replyCreated;
    this.markMutated(row);
  }

  private onReplyReceived(e: Extract<WireEvent, { kind: 'reply-received' }>): void {
    const requestRow = this.rowOfMessageId.get(e.request);
    const replyRow = this.rowOfMessageId.get(e.reply);
    const rows = this.rows;
    if (requestRow !== undefined) {
      const rs = rows.slot(requestRow);
      rows.latency[rs] = e.latencyNs;
      rows.flags[rs]! |= RowFlag.answered;
      if (replyRow !== undefined) rows.link[rs] = replyRow;
      this.markMutated(requestRow);
    }
    if (replyRow !== undefined) {
      const ps = rows.slot(replyRow);
      rows.latency[ps] = e.latencyNs;
      if (requestRow !== undefined) rows.link[ps] = requestRow;
      this.markMutated(replyRow);
    }
    this.resolveOutstanding(e.request, e.t);
  }

  private onReplyFailed(e: Extract<WireEvent, { kind: 'reply-failed' }>): void {
    const requestRow = this.rowOfMessageId.get(e.request);
    const rows = this.rows;
    const pending = this.outstanding.get(e.request);
    const requestSlot = requestRow === undefined ? -1 : rows.slot(requestRow);
    const connection = requestSlot >= 0 ? rows.connection[requestSlot]! : (pending?.connection ?? NONE);
    const service = requestSlot >= 0 ? rows.service[requestSlot]! : pending !== undefined ? this.strings.intern(pending.service) : NONE;
    const job = requestSlot >= 0 ? rows.job[requestSlot]! : pending?.job !== undefined ? this.strings.intern(pending.job) : NONE;
    const summary = lifecycleSummary(e, this.nameOf);
    const row = rows.append(
      {
        seq: e.seq,
        t: e.t,
        kind: ROW_KIND_CODE.error,
        eventKind: EVENT_KIND_CODE['reply-failed'],
        flags: RowFlag.error | RowFlag.hasPayload,
        fromPid: requestSlot >= 0 ? rows.toPid[requestSlot]! : (pending?.toPid ?? NONE),
        toPid: e.toPid,
        connection,
        message: NONE,
        inReplyTo: e.request,
        size: 0,
        service,
        job,
        summary,
        payloadWords: '',
        detail: e,
      },
      this.evict,
    );
    rows.latency[rows.slot(row)] = e.latencyNs;
    this.totals.errors++;
    if (requestRow !== undefined && rows.has(requestRow)) {
      const rs = rows.slot(requestRow);
      rows.flags[rs]! |= RowFlag.failed | RowFlag.error;
      rows.latency[rs] = e.latencyNs;
      rows.link[rs] = row;
      rows.link[rows.slot(row)] = requestRow;
      this.markMutated(requestRow);
    }
    const conn = this.connectionsById.get(connection);
    if (conn !== undefined) conn.errors++;
    const jobRecord = job === NONE ? undefined : this.servicesByLabel.get(this.strings.text(job));
    if (jobRecord !== undefined) jobRecord.errors++;
    this.resolveOutstanding(e.request, e.t);
  }

  private onDropped(e: Extract<WireEvent, { kind: 'message-dropped' }>): void {
    const messageRow = this.rowOfMessageId.get(e.message);
    const rows = this.rows;
    const ms = messageRow === undefined ? -1 : rows.slot(messageRow);
    const row = this.appendLifecycle(e, RowFlag.error, {
      fromPid: ms >= 0 ? rows.fromPid[ms]! : NONE,
      toPid: ms >= 0 ? rows.toPid[ms]! : NONE,
      connection: ms >= 0 ? rows.connection[ms]! : NONE,
      service: ms >= 0 ? rows.service[ms]! : NONE,
      job: ms >= 0 ? rows.job[ms]! : NONE,
      message: e.message,
    });
    if (messageRow !== undefined && rows.has(messageRow)) {
      rows.flags[ms]! |= RowFlag.dropped | RowFlag.error;
      if (rows.link[ms] === NONE) rows.link[ms] = row;
      rows.link[rows.slot(row)] = messageRow;
      this.markMutated(messageRow);
    }
  }

  private resolveOutstanding(request: number, t: number): void {
    const pending = this.outstanding.get(request);
    if (pending === undefined) return;
    this.outstanding.delete(request);
    const conn = this.connectionsById.get(pending.connection);
    if (conn !== undefined && conn.outstandingReplies > 0) conn.outstandingReplies--;
    this.changeOutstanding(pending.job, -1, t, pending.toPid);
  }

  private changeOutstanding(job: string | undefined, delta: number, t: number, pid: number): void {
    if (job === undefined) return;
    const service = this.servicesByLabel.get(job);
    if (service === undefined) return;
    service.outstandingReplies = Math.max(0, service.outstandingReplies + delta);
    this.recordSeries(service, t, 'outstanding', pid);
  }

  // ---- accounting --------------------------------------------------------------------------

  private onTransaction(e: Extract<WireEvent, { kind: 'transaction' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    const delta = e.count - process.transactions;
    process.transactions = e.count;
    adjustHeld(process.held, e.cause, e.delta);
    const service = this.serviceOfProcess(process, e.job);
    if (service !== undefined) {
      service.transactions = Math.max(0, service.transactions + delta);
      adjustHeld(service.held, e.cause, e.delta);
      service.lastActivity = e.t;
      this.recordSeries(service, e.t, e.cause, e.pid);
    }
    if (e.count > 0) this.wake(process);

    if (e.message !== undefined) {
      const row = this.rowOfMessageId.get(e.message);
      if (row !== undefined) {
        const s = this.rows.slot(row);
        if (e.cause === 'delivery') {
          this.rows.tx[s] = e.count;
          this.markMutated(row);
        } else if (e.cause === 'reply-sent' || e.cause === 'reply-dropped') {
          // The event may name the reply or the request it answers.
          const target = this.rows.kind[s] === ROW_KIND_CODE.reply ? row : this.rows.link[s]!;
          if (target !== NONE && this.rows.has(target)) {
            this.rows.tx[this.rows.slot(target)] = e.count;
            this.markMutated(target);
          }
        }
      }
    }
  }

  private onBoost(e: Extract<WireEvent, { kind: 'boost' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    const before = process.boosts;
    const delta = e.count - before;
    process.boosts = e.count;
    const service = this.serviceOfProcess(process, e.job);
    if (service === undefined) return;
    const serviceBefore = service.boosts;
    service.boosts = Math.max(0, service.boosts + delta);
    const series = this.recordSeries(service, e.t, 'boost', e.pid);
    if (serviceBefore === 0 && service.boosts > 0) series.mark(e.t, 'boost-begin', e.pid, `boosted (${e.cause}${e.message !== undefined ? ` #${e.message}` : ''})`);
    else if (serviceBefore > 0 && service.boosts === 0) series.mark(e.t, 'boost-end', e.pid, `boost ended (${e.cause})`);
  }

  private onIdle(e: Extract<WireEvent, { kind: 'idle' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    if (process.state !== 'exited' && process.state !== 'exiting') process.state = 'idle';
    const service = this.ensureService(e.job);
    this.refreshServiceState(service);
    this.seriesOf(service.label).mark(e.t, 'idle', e.pid, 'idle (no transactions)');
    this.appendLifecycle(e, 0, { fromPid: e.pid, service: this.strings.intern(e.job), job: this.strings.intern(e.job) });
  }

  private onLongHeld(e: Extract<WireEvent, { kind: 'transaction-long-held' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    const service = this.serviceOfProcess(process, e.job);
    const label = service?.label ?? e.job;
    if (service !== undefined) {
      service.longHeld = { t: e.t, pid: e.pid, count: e.count, heldNs: e.heldNs, oldestCause: e.oldestCause, message: e.message };
      this.seriesOf(service.label).mark(e.t, 'long-held', e.pid, lifecycleSummary(e, this.nameOf));
    }
    const labelIndex = label === undefined ? NONE : this.strings.intern(label);
    const row = this.appendLifecycle(e, RowFlag.warning, { fromPid: e.pid, service: labelIndex, job: labelIndex, message: e.message ?? NONE });
    const held = e.message === undefined ? undefined : this.rowOfMessageId.get(e.message);
    if (held !== undefined) this.rows.link[this.rows.slot(row)] = held;
  }

  private onTerminationImminent(e: Extract<WireEvent, { kind: 'termination-imminent' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    if (process.state !== 'exited') process.state = 'exiting';
    const service = this.ensureService(e.job);
    service.terminationImminent = { t: e.t, pid: e.pid, transactionsHeld: e.transactionsHeld };
    this.refreshServiceState(service);
    this.seriesOf(service.label).mark(e.t, 'termination-imminent', e.pid, lifecycleSummary(e, this.nameOf));
    const label = this.strings.intern(e.job);
    this.appendLifecycle(e, RowFlag.warning, { fromPid: e.pid, service: label, job: label });
  }

  // ---- jobs and processes --------------------------------------------------------------------

  private onJobLoaded(e: Extract<WireEvent, { kind: 'job-loaded' }>): void {
    const service = this.ensureService(e.job.label);
    service.job = e.job;
    service.kind = e.job.kind;
    service.warnings = e.warnings;
    for (const name of e.job.machServices) this.jobOfMachService.set(name, e.job.label);
    // A job serving a name that was only seen in traffic before replaces that placeholder.
    for (const name of e.job.machServices) {
      const placeholder = this.servicesByLabel.get(name);
      if (name !== e.job.label && placeholder !== undefined && placeholder.job === undefined) this.servicesByLabel.delete(name);
    }
    const label = this.strings.intern(e.job.label);
    this.appendLifecycle(e, e.warnings.length > 0 ? RowFlag.warning : 0, { service: label, job: label });
  }

  private onJobFailed(e: Extract<WireEvent, { kind: 'job-failed' }>): void {
    this.jobErrorList.push({ t: e.t, file: e.file, key: e.key, error: e.error });
    if (this.jobErrorList.length > 1000) this.jobErrorList.splice(0, this.jobErrorList.length - 1000);
    this.appendLifecycle(e, RowFlag.error, {});
  }

  private onLaunched(e: Extract<WireEvent, { kind: 'process-launched' }>): void {
    const process = this.freshProcess(e.pid);
    process.job = e.job;
    if (process.name === '') process.name = e.job;
    process.forClientPid = e.forClientPid;
    process.state = 'launching';
    process.launchedAt = e.t;
    process.launchReason = e.reason;
    const service = this.ensureService(e.job);
    if (!service.pids.includes(e.pid)) service.pids.push(e.pid);
    service.launches++;
    service.lastLaunch = { t: e.t, pid: e.pid, reason: e.reason, boosted: e.boosted };
    service.terminationImminent = undefined;
    service.lastActivity = e.t;
    this.refreshServiceState(service);
    this.seriesOf(service.label).mark(e.t, 'launch', e.pid, lifecycleSummary(e, this.nameOf));
    const label = this.strings.intern(e.job);
    const row = this.appendLifecycle(e, 0, {
      fromPid: e.pid,
      service: label,
      job: label,
      message: e.triggerMessageId ?? NONE,
    });
    if (e.triggerMessageId !== undefined) {
      const trigger = this.rowOfMessageId.get(e.triggerMessageId);
      if (trigger !== undefined) this.rows.link[this.rows.slot(row)] = trigger;
    }
  }

  private onExited(e: Extract<WireEvent, { kind: 'process-exited' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    const exit: ExitRecord = {
      t: e.t,
      pid: e.pid,
      reason: e.reason,
      description: e.description,
      code: e.code,
      signal: e.signal,
      transactionsHeld: e.transactionsHeld,
    };
    const heldBefore = process.transactions;
    const boostsBefore = process.boosts;
    process.state = 'exited';
    process.exitedAt = e.t;
    process.exit = exit;
    process.transactions = 0;
    process.boosts = 0;
    const heldParts = process.held;
    process.held = emptyHeld();
    this.rememberExited(process);

    const service = this.serviceOfProcess(process, e.job);
    if (service !== undefined) {
      service.pids = service.pids.filter((pid) => pid !== e.pid);
      service.transactions = Math.max(0, service.transactions - heldBefore);
      service.boosts = Math.max(0, service.boosts - boostsBefore);
      service.held.handlers = Math.max(0, service.held.handlers - heldParts.handlers);
      service.held.replies = Math.max(0, service.held.replies - heldParts.replies);
      service.held.explicit = Math.max(0, service.held.explicit - heldParts.explicit);
      service.lastExit = exit;
      if (e.reason === 'crashed') service.crashes++;
      if (e.reason === 'launch-failed') service.launchFailures++;
      if (e.reason === 'idle-exit') service.idleExits++;
      if (service.pids.length === 0) service.terminationImminent = undefined;
      service.lastActivity = e.t;
      this.refreshServiceState(service);
      const series = this.recordSeries(service, e.t, 'exit', e.pid);
      const markKind = e.reason === 'idle-exit' ? 'idle-exit' : e.reason === 'crashed' || e.reason === 'launch-failed' ? 'crash' : 'exit';
      series.mark(e.t, markKind, e.pid, lifecycleSummary(e, this.nameOf));
    }
    // Nobody waits for replies to requests the exited process sent.
    for (const [request, pending] of this.outstanding) {
      if (pending.fromPid === e.pid) this.resolveOutstanding(request, e.t);
    }
    const failed = e.reason === 'crashed' || e.reason === 'launch-failed';
    const label = service === undefined ? NONE : this.strings.intern(service.label);
    this.appendLifecycle(e, failed ? RowFlag.error : e.transactionsHeld > 0 ? RowFlag.warning : 0, {
      fromPid: e.pid,
      service: label,
      job: label,
    });
  }

  private onAttached(e: Extract<WireEvent, { kind: 'process-attached' }>): void {
    const existing = this.processesByPid.get(e.process.pid);
    const process = existing !== undefined && existing.state !== 'exited' ? existing : this.freshProcess(e.process.pid);
    process.name = e.process.name;
    process.uid = e.process.uid;
    process.gid = e.process.gid;
    process.executable = e.process.executable;
    process.processType = e.processType;
    process.attachedAt = e.t;
    if (e.job !== undefined) process.job = e.job;
    if (process.state === 'launching' || process.state === 'detached') process.state = 'running';
    const service = process.job === undefined ? undefined : this.ensureService(process.job);
    if (service !== undefined) {
      if (!service.pids.includes(process.pid)) service.pids.push(process.pid);
      this.refreshServiceState(service);
    }
    const label = service === undefined ? NONE : this.strings.intern(service.label);
    this.appendLifecycle(e, 0, { fromPid: e.process.pid, service: label, job: label });
  }

  private onDetached(e: Extract<WireEvent, { kind: 'process-detached' }>): void {
    const process = this.processesByPid.get(e.pid);
    if (process !== undefined && process.state !== 'exited') {
      process.state = 'detached';
      process.detachReason = e.reason;
    }
    this.appendLifecycle(e, 0, { fromPid: e.pid });
  }

  private onOutput(e: Extract<WireEvent, { kind: 'process-output' }>): void {
    const process = this.ensureProcess(e.pid, e.job);
    process.output.push({ t: e.t, stream: e.stream, text: e.text });
    if (process.output.length > this.maxOutput) process.output.splice(0, process.output.length - this.maxOutput);
    const label = this.strings.intern(e.job);
    const summary = lifecycleSummary(e, this.nameOf);
    this.rows.append(
      {
        seq: e.seq,
        t: e.t,
        kind: ROW_KIND_CODE.output,
        eventKind: EVENT_KIND_CODE['process-output'],
        flags: RowFlag.hasPayload,
        fromPid: e.pid,
        toPid: NONE,
        connection: NONE,
        message: NONE,
        inReplyTo: NONE,
        size: e.text.length,
        service: label,
        job: label,
        summary,
        payloadWords: '',
        detail: e,
      },
      this.evict,
    );
    this.totals.output++;
  }

  private onThrottled(e: Extract<WireEvent, { kind: 'launch-throttled' }>): void {
    const service = this.ensureService(e.job);
    service.throttledUntil = e.t + e.delayNs;
    this.seriesOf(service.label).mark(e.t, 'throttled', NONE, lifecycleSummary(e, this.nameOf));
    const label = this.strings.intern(e.job);
    this.appendLifecycle(e, RowFlag.warning, { service: label, job: label });
  }

  // ---- connections -------------------------------------------------------------------------

  private onConnectionOpened(e: Extract<WireEvent, { kind: 'connection-opened' }>): void {
    const job = this.jobOfMachService.get(e.service);
    const record: ConnectionRecord = {
      id: e.connection,
      clientPid: e.clientPid,
      service: e.service,
      privileged: e.privileged,
      api: e.api,
      viaEndpoint: e.viaEndpoint,
      openedAt: e.t,
      job,
      servicePid: undefined,
      state: 'inactive',
      suspendCount: 0,
      reason: undefined,
      retryable: undefined,
      interruptions: 0,
      closedAt: undefined,
      history: [{ t: e.t, state: 'inactive', reason: undefined }],
      peer: { result: 'unchecked' },
      messagesOut: 0,
      messagesIn: 0,
      bytesOut: 0,
      bytesIn: 0,
      outstandingReplies: 0,
      errors: 0,
      lastActivity: e.t,
    };
    this.connectionsById.set(e.connection, record);
    const service = job === undefined ? undefined : this.servicesByLabel.get(job);
    if (service !== undefined) service.openConnections++;
    this.appendLifecycle(e, 0, {
      fromPid: e.clientPid,
      connection: e.connection,
      service: this.strings.intern(e.service),
      job: job === undefined ? NONE : this.strings.intern(job),
    });
  }

  private onConnectionState(e: Extract<WireEvent, { kind: 'connection-state' }>): void {
    const conn = this.connectionsById.get(e.connection);
    let flags = 0;
    if (e.state === 'invalidated' || e.state === 'interrupted') flags = RowFlag.error;
    if (conn !== undefined) {
      const wasClosed = CLOSED_STATES.has(conn.state);
      conn.state = e.state;
      conn.suspendCount = e.suspendCount;
      if (e.reason !== undefined) conn.reason = e.reason;
      if (e.retryable !== undefined) conn.retryable = e.retryable;
      if (e.state === 'interrupted') conn.interruptions++;
      conn.history.push({ t: e.t, state: e.state, reason: e.reason });
      if (conn.history.length > CONNECTION_HISTORY) conn.history.splice(0, conn.history.length - CONNECTION_HISTORY);
      conn.lastActivity = e.t;
      if (!wasClosed && CLOSED_STATES.has(e.state)) {
        conn.closedAt = e.t;
        const service = conn.job === undefined ? undefined : this.servicesByLabel.get(conn.job);
        if (service !== undefined && service.openConnections > 0) service.openConnections--;
        this.rememberClosed(conn);
      }
    }
    this.appendLifecycle(e, flags, {
      fromPid: conn?.clientPid ?? NONE,
      toPid: conn?.servicePid ?? NONE,
      connection: e.connection,
      service: conn === undefined ? NONE : this.strings.intern(conn.service),
      job: conn?.job === undefined ? NONE : this.strings.intern(conn.job),
    });
  }

  private onConnectionBound(e: Extract<WireEvent, { kind: 'connection-bound' }>): void {
    const conn = this.connectionsById.get(e.connection);
    if (conn !== undefined) {
      const before = conn.job;
      conn.servicePid = e.servicePid;
      conn.job = e.job;
      if (before !== e.job && !CLOSED_STATES.has(conn.state)) {
        const old = before === undefined ? undefined : this.servicesByLabel.get(before);
        if (old !== undefined && old.openConnections > 0) old.openConnections--;
        this.ensureService(e.job).openConnections++;
      }
    }
    const label = this.strings.intern(e.job);
    this.appendLifecycle(e, 0, {
      fromPid: conn?.clientPid ?? NONE,
      toPid: e.servicePid,
      connection: e.connection,
      service: conn === undefined ? label : this.strings.intern(conn.service),
      job: label,
    });
  }

  private onPeerRejected(e: Extract<WireEvent, { kind: 'peer-rejected' }>): void {
    const conn = this.connectionsById.get(e.connection);
    if (conn !== undefined) {
      conn.peer = { result: 'rejected', reason: e.reason, requirement: e.requirement, t: e.t };
      conn.errors++;
    }
    const jobLabel = conn?.job ?? (conn === undefined ? undefined : this.jobOfMachService.get(conn.service));
    const service = jobLabel === undefined ? undefined : this.servicesByLabel.get(jobLabel);
    if (service !== undefined) service.peerRejections++;
    this.appendLifecycle(e, RowFlag.error, {
      fromPid: e.clientPid,
      toPid: conn?.servicePid ?? NONE,
      connection: e.connection,
      service: conn === undefined ? NONE : this.strings.intern(conn.service),
      job: jobLabel === undefined ? NONE : this.strings.intern(jobLabel),
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private appendLifecycle(
    e: WireEvent,
    flags: number,
    fields: { fromPid?: number; toPid?: number; connection?: number; service?: number; job?: number; message?: number },
  ): number {
    const summary = lifecycleSummary(e, this.nameOf);
    if (flags & RowFlag.error) this.totals.errors++;
    this.totals.lifecycle++;
    return this.rows.append(
      {
        seq: e.seq,
        t: e.t,
        kind: ROW_KIND_CODE.lifecycle,
        eventKind: EVENT_KIND_CODE[e.kind],
        flags: flags | RowFlag.hasPayload,
        fromPid: fields.fromPid ?? NONE,
        toPid: fields.toPid ?? NONE,
        connection: fields.connection ?? NONE,
        message: fields.message ?? NONE,
        inReplyTo: NONE,
        size: 0,
        service: fields.service ?? NONE,
        job: fields.job ?? NONE,
        summary,
        payloadWords: '',
        detail: e,
      },
      this.evict,
    );
  }

  private markMutated(row: number): void {
    if (this.mutationOverflow) return;
    if (this.mutated.length >= MAX_TRACKED_MUTATIONS) {
      this.mutated = [];
      this.mutationOverflow = true;
      return;
    }
    this.mutated.push(row);
  }

  private ensureService(label: string): ServiceRecord {
    let service = this.servicesByLabel.get(label);
    if (service === undefined) {
      service = newServiceRecord(label);
      this.servicesByLabel.set(label, service);
    }
    return service;
  }

  private serviceOfProcess(process: ProcessRecord, job: string | undefined): ServiceRecord | undefined {
    const label = process.job ?? job;
    return label === undefined ? undefined : this.ensureService(label);
  }

  private ensureProcess(pid: number, job: string | undefined): ProcessRecord {
    const process = this.processesByPid.get(pid) ?? this.freshProcess(pid);
    if (process.job === undefined && job !== undefined) {
      process.job = job;
      const service = this.ensureService(job);
      if (process.state !== 'exited' && !service.pids.includes(pid)) service.pids.push(pid);
    }
    return process;
  }

  /** A new record for `pid`, replacing an exited one (pids are reused). */
  private freshProcess(pid: number): ProcessRecord {
    const process: ProcessRecord = {
      pid,
      name: '',
      uid: undefined,
      gid: undefined,
      executable: undefined,
      processType: undefined,
      job: undefined,
      forClientPid: undefined,
      state: 'running',
      launchedAt: undefined,
      launchReason: undefined,
      attachedAt: undefined,
      exitedAt: undefined,
      exit: undefined,
      detachReason: undefined,
      transactions: 0,
      boosts: 0,
      held: emptyHeld(),
      messagesSent: 0,
      messagesReceived: 0,
      output: [],
    };
    this.processesByPid.set(pid, process);
    return process;
  }

  /** A process doing work is running again (out of launching or idle). */
  private wake(process: ProcessRecord): void {
    if (process.state !== 'launching' && process.state !== 'idle') return;
    process.state = 'running';
    const service = process.job === undefined ? undefined : this.servicesByLabel.get(process.job);
    if (service !== undefined) this.refreshServiceState(service);
  }

  private refreshServiceState(service: ServiceRecord): void {
    service.state = deriveServiceState(service, this.processesByPid);
  }

  private seriesOf(job: string): TransactionSeries {
    let series = this.seriesByJob.get(job);
    if (series === undefined) {
      series = new TransactionSeries(job, this.seriesOptions);
      this.seriesByJob.set(job, series);
    }
    return series;
  }

  private recordSeries(service: ServiceRecord, t: number, cause: SeriesCause, pid: number): TransactionSeries {
    const series = this.seriesOf(service.label);
    series.record(t, service.transactions, service.boosts, service.outstandingReplies, cause, pid);
    return series;
  }

  private rememberExited(process: ProcessRecord): void {
    this.exitedOrder.push(process);
    while (this.exitedOrder.length > this.maxExited) {
      const oldest = this.exitedOrder.shift()!;
      if (this.processesByPid.get(oldest.pid) === oldest && oldest.state === 'exited') this.processesByPid.delete(oldest.pid);
    }
  }

  private rememberClosed(conn: ConnectionRecord): void {
    this.closedOrder.push(conn);
    while (this.closedOrder.length > this.maxClosed) {
      const oldest = this.closedOrder.shift()!;
      if (this.connectionsById.get(oldest.id) === oldest && CLOSED_STATES.has(oldest.state)) this.connectionsById.delete(oldest.id);
    }
  }
}

function adjustHeld(held: HeldTransactions, cause: TransactionCause, delta: number): void {
  switch (cause) {
    case 'delivery':
    case 'handler-returned':
      held.handlers = Math.max(0, held.handlers + delta);
      return;
    case 'reply-created':
    case 'reply-sent':
    case 'reply-dropped':
      held.replies = Math.max(0, held.replies + delta);
      return;
    case 'explicit-begin':
    case 'explicit-end':
      held.explicit = Math.max(0, held.explicit + delta);
      return;
    case 'process-exit':
      held.handlers = 0;
      held.replies = 0;
      held.explicit = 0;
      return;
  }
}

/** A service's state from its instances: the most awake instance wins. */
export function deriveServiceState(service: ServiceRecord, processes: ReadonlyMap<number, ProcessRecord>): ServiceState {
  let launching = false;
  let running = false;
  let idle = false;
  let exiting = false;
  for (const pid of service.pids) {
    const p = processes.get(pid);
    if (p === undefined) continue;
    if (p.state === 'running') running = true;
    else if (p.state === 'launching') launching = true;
    else if (p.state === 'idle') idle = true;
    else if (p.state === 'exiting') exiting = true;
  }
  if (running) return 'running';
  if (launching) return 'launching';
  if (exiting) return 'exiting';
  if (idle) return 'idle';
  return 'not-running';
}
