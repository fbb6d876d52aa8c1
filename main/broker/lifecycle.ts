/**
 * launchd's half of the runtime: job instances (one per client for XPC services, one shared
 * for agents and daemons), on-demand launch, check-in, transaction and boost accounts per
 * process, idle exit, forced termination with TERMINATION_IMMINENT, and what happens when a
 * process ends — told to the router so clients see INTERRUPTED/INVALID with a reason.
 */
import type { ExitReason } from '../../app/events/schema';
import { XPC_ERROR_TERMINATION_IMMINENT } from '../../app/xpc/value';
import { BoostPriority } from './boost-priority';
import { BoostLedger } from './boosts';
import type { BrokerContext } from './context';
import type { Job } from './jobs/job';
import type { Accounts, ClientConnection, Instance, Listener, OutgoingMessage, ProcessRecord } from './records';
import type { Departure, InstanceControl, Router } from './router';
import { ProcessSupervisor, startsAtLoad, type ExitInfo, type LaunchReason, type RunningProcess } from './supervisor';
import { TransactionLedger } from './transactions';

/** How long to wait for a process's exit report after its socket closed, for a precise reason. */
const EXIT_REPORT_WAIT_MS = 1000;
/** How many instance keys remember how their last process ended. */
const MAX_REMEMBERED_EXITS = 1000;

export class Lifecycle implements InstanceControl {
  readonly supervisor: ProcessSupervisor;
  private readonly instances = new Map<string, Instance>();
  private readonly byPid = new Map<number, Instance>();
  private readonly accounts = new Map<number, Accounts>();
  /** How the last process of each instance key ended ('crashed' makes the next launch a relaunch). */
  private readonly lastExit = new Map<string, ExitReason>();
  /** Open broker sockets per pid: an XPC service instance dies with the last one of its client. */
  private readonly socketsByPid = new Map<number, number>();
  private readonly exitWaiters = new Map<Instance, (() => void)[]>();
  /** Applies boosted/unboosted priority to service processes, coalesced (boost-priority.ts). */
  private readonly priority = new BoostPriority((pid, boosted) => this.supervisor.setBoosted(pid, boosted));
  private longHeldTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: BrokerContext,
    private readonly router: Router,
    /** The job as it is launched: its environment carries the socket path and the job token. */
    private readonly launchable: (job: Job) => Job,
  ) {
    this.supervisor = new ProcessSupervisor({
      onOutput: (pid, job, stream, text) => this.ctx.bus.emit({ kind: 'process-output', pid, job, stream, text }),
      onExit: (info) => this.onExit(info),
      onThrottled: (job, delayNs) => this.ctx.bus.emit({ kind: 'launch-throttled', job, delayNs }),
      onKeepAliveLaunch: (job, child) => this.onKeepAliveLaunch(job, child),
    });
    const every = Math.min(1000, Math.max(10, Math.floor(ctx.timings.longHeldTransactionMs / 4)));
    this.longHeldTimer = setInterval(() => this.checkLongHeld(), every);
    this.longHeldTimer.unref();
  }

  // ---- InstanceControl ------------------------------------------------------------------

  obtain(job: Job, client: ProcessRecord, trigger: OutgoingMessage | undefined): Instance | string {
    if (this.ctx.stopping) return 'the broker is shutting down';
    const clientPid = job.kind === 'xpc-service' ? client.pid : undefined;
    const key = instanceKey(job, clientPid);
    const existing = this.instances.get(key);
    if (existing !== undefined) return existing;
    const instance = this.newInstance(job, key, clientPid);
    this.launch(instance, this.lastExit.get(key) === 'crashed' ? 'relaunch' : 'on-demand', trigger);
    return instance;
  }

  wait(instance: Instance, conn: ClientConnection): void {
    instance.waiting.add(conn);
    conn.waitingOn = instance;
    if (instance.state === 'running' && !instance.checkedIn) this.startCheckInTimer(instance);
  }

  accountsFor(proc: ProcessRecord): Accounts {
    let accounts = proc.accounts ?? this.accounts.get(proc.pid);
    if (accounts === undefined) accounts = this.createAccounts(proc.pid, proc.instance?.job.label);
    proc.accounts = accounts;
    return accounts;
  }

  holdsDeliveries(proc: ProcessRecord): boolean {
    // A process whose socket closed is about to be declared gone: what it has not received stays with the broker.
    if (proc.gone) return true;
    const instance = proc.instance;
    return instance !== undefined && (instance.state === 'exiting' || instance.terminating);
  }

  jobOf(proc: ProcessRecord): Job | undefined {
    return proc.instance?.job;
  }

  // ---- processes on the socket ----------------------------------------------------------

  socketOpened(pid: number): void {
    this.socketsByPid.set(pid, (this.socketsByPid.get(pid) ?? 0) + 1);
  }

  /** A hello carrying a valid job token: ties the socket to the instance launched as that pid. */
  adopt(proc: ProcessRecord, label: string): Instance | undefined {
    const instance = this.byPid.get(proc.pid);
    if (instance === undefined || instance.job.label !== label || instance.process !== undefined || instance.ended) return undefined;
    instance.process = proc;
    proc.instance = instance;
    proc.accounts = this.accounts.get(proc.pid);
    if (this.accountsFor(proc).transactions.count === 0) {
      instance.idleSince = this.ctx.bus.now();
      this.scheduleIdleExit(instance);
    }
    return instance;
  }

  listenerRegistered(proc: ProcessRecord, listener: Listener): void {
    const instance = proc.instance;
    if (instance === undefined) return;
    instance.checkedIn = true;
    clearTimeout(instance.checkInTimer);
    instance.checkInTimer = undefined;
    this.router.attachWaiting(instance, listener);
  }

  /** The process's socket closed. */
  socketClosed(proc: ProcessRecord, reason: string): void {
    proc.gone = true;
    this.ctx.bus.emit({ kind: 'process-detached', pid: proc.pid, reason });
    const left = (this.socketsByPid.get(proc.pid) ?? 1) - 1;
    if (left > 0) this.socketsByPid.set(proc.pid, left);
    else this.socketsByPid.delete(proc.pid);

    this.router.clientDeparted(proc, `the client ${proc.label} went away (${reason})`);
    const instance = proc.instance;
    if (instance !== undefined && !instance.departed) {
      // Give the exit report a moment: "crashed: killed by SIGKILL" tells clients more than "socket closed".
      instance.goneTimer = setTimeout(() => {
        this.depart(instance, { reason: `${proc.label} closed its connection to the broker (${reason})`, retryable: true });
        if (instance.pid !== undefined) this.supervisor.terminate(instance.pid, 'terminated', this.ctx.timings.killGraceMs);
      }, EXIT_REPORT_WAIT_MS);
    } else if (instance === undefined) {
      this.router.serviceDeparted(proc, { reason: `${proc.label} disconnected from the broker (${reason})`, retryable: false });
      this.clearAccounts(proc.pid);
    }
    if (left <= 0) this.clientGone(proc.pid);
  }

  // ---- transactions ---------------------------------------------------------------------

  explicitBegin(proc: ProcessRecord): void {
    this.accountsFor(proc).transactions.explicitBegin();
  }

  /** False when there was no explicit transaction to end. */
  explicitEnd(proc: ProcessRecord): boolean {
    return this.accountsFor(proc).transactions.explicitEnd();
  }

  private createAccounts(pid: number, job: string | undefined): Accounts {
    const owner = job === undefined ? { pid } : { pid, job };
    const accounts: Accounts = {
      pid,
      transactions: new TransactionLedger(owner, this.ctx.bus, (count) => this.countChanged(pid, count)),
      boosts: new BoostLedger(owner, this.ctx.bus, (on) => this.priority.set(pid, on)),
    };
    this.accounts.set(pid, accounts);
    return accounts;
  }

  private clearAccounts(pid: number): number {
    const accounts = this.accounts.get(pid);
    if (accounts === undefined) return 0;
    this.accounts.delete(pid);
    const held = accounts.transactions.processExited();
    accounts.boosts.processExited();
    this.priority.forget(pid);
    return held;
  }

  /**
   * Runs on every transaction. Under load the count bounces between 0 and 1 with each message,
   * so this stays cheap: it only notes when idleness began; the 'idle' event goes out once the
   * count has stayed at 0 to the end of the tick, and the idle timer is armed once, not per message.
   */
  private countChanged(pid: number, count: number): void {
    const instance = this.byPid.get(pid);
    if (instance === undefined || instance.process === undefined || instance.departed) return;
    if (count > 0) {
      instance.idleSince = undefined;
      return;
    }
    instance.idleSince = this.ctx.bus.now();
    // Forced termination waits for exactly this: the last transaction's end ends the process.
    if (instance.terminating) {
      this.ctx.bus.emit({ kind: 'idle', pid, job: instance.job.label });
      this.requestExit(instance, 'its last transaction ended after termination was announced');
      return;
    }
    if (!instance.idleCheckPending) {
      instance.idleCheckPending = true;
      setImmediate(() => {
        instance.idleCheckPending = false;
        if (instance.idleSince === undefined || instance.departed || instance.state !== 'running') return;
        this.ctx.bus.emit({ kind: 'idle', pid, job: instance.job.label });
        this.scheduleIdleExit(instance);
      });
    }
  }

  private checkLongHeld(): void {
    const now = this.ctx.bus.now();
    const threshold = this.ctx.timings.longHeldTransactionMs * 1e6;
    for (const accounts of this.accounts.values()) accounts.transactions.checkLongHeld(now, threshold);
  }

  // ---- launching ------------------------------------------------------------------------

  /** Launches RunAtLoad / KeepAlive jobs (XPC services only ever launch for a client). */
  startAtLoad(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (job.kind === 'xpc-service' || !startsAtLoad(job)) continue;
      const key = instanceKey(job, undefined);
      if (this.instances.has(key)) continue;
      this.launch(this.newInstance(job, key, undefined), 'run-at-load', undefined);
    }
  }

  private newInstance(job: Job, key: string, clientPid: number | undefined): Instance {
    const instance: Instance = {
      key,
      job,
      ...(clientPid !== undefined ? { clientPid } : {}),
      state: 'launching',
      waiting: new Set(),
      terminating: false,
      departed: false,
      ended: false,
      checkedIn: false,
      clientGone: false,
    };
    this.instances.set(key, instance);
    return instance;
  }

  private launch(instance: Instance, reason: LaunchReason, trigger: OutgoingMessage | undefined): void {
    const boosted = trigger?.boosting === true;
    const options = { reason, boosted, ...(instance.clientPid !== undefined ? { forClientPid: instance.clientPid } : {}) };
    instance.launched = this.supervisor.launch(this.launchable(instance.job), options).then(
      (child) => this.launched(instance, child, reason, boosted, trigger),
      (error: unknown) => {
        // The supervisor has already reported the failed launch through onExit.
        const description = error instanceof Error ? error.message : String(error);
        this.rememberExit(instance.key, 'launch-failed');
        this.forget(instance);
        this.router.failWaiting(instance, description.startsWith('cannot launch') ? description : `cannot launch ${instance.job.label}: ${description}`);
      },
    );
  }

  private launched(instance: Instance, child: RunningProcess, reason: LaunchReason, boosted: boolean, trigger: OutgoingMessage | undefined): void {
    // A KeepAlive relaunch and an on-demand launch can resolve to the same process; take it once.
    if (instance.pid === child.pid) return;
    const already = this.byPid.get(child.pid);
    if (already !== undefined && already !== instance) {
      // The supervisor handed back a process a KeepAlive relaunch had just started: use that instance.
      for (const conn of instance.waiting) this.wait(already, conn);
      instance.waiting.clear();
      if (this.instances.get(instance.key) === instance) this.instances.set(instance.key, already);
      return;
    }
    instance.pid = child.pid;
    instance.state = 'running';
    this.byPid.set(child.pid, instance);
    const accounts = this.createAccounts(child.pid, instance.job.label);
    this.ctx.bus.emit({
      kind: 'process-launched',
      job: instance.job.label,
      pid: child.pid,
      ...(instance.clientPid !== undefined ? { forClientPid: instance.clientPid } : {}),
      reason,
      boosted,
      ...(trigger !== undefined ? { triggerMessageId: trigger.id } : {}),
    });
    // The launch happened at elevated priority for this message; the boost is its from now on.
    if (boosted && trigger !== undefined) accounts.boosts.messageArrived(trigger.id);
    if (instance.waiting.size > 0) this.startCheckInTimer(instance);
    if (instance.clientGone) void this.terminate(instance, 'client-exited');
    else if (this.ctx.stopping) void this.terminate(instance, 'terminated');
  }

  private onKeepAliveLaunch(job: Job, child: RunningProcess): void {
    if (this.byPid.has(child.pid)) return;
    const key = instanceKey(job, child.forClientPid);
    const current = this.instances.get(key);
    const instance = current !== undefined && current.state === 'launching' ? current : this.newInstance(job, key, child.forClientPid);
    this.launched(instance, child, 'keep-alive', false, undefined);
  }

  private startCheckInTimer(instance: Instance): void {
    if (instance.checkInTimer !== undefined || instance.checkedIn) return;
    const ms = this.ctx.timings.checkInTimeoutMs;
    instance.checkInTimer = setTimeout(() => {
      instance.checkInTimer = undefined;
      if (instance.checkedIn || instance.ended || instance.pid === undefined) return;
      instance.failReason = `${instance.job.label} (pid ${instance.pid}) did not start listening within ${ms / 1000} s of its launch`;
      this.supervisor.terminate(instance.pid, 'terminated', this.ctx.timings.killGraceMs);
    }, ms);
  }

  // ---- idle exit and termination ---------------------------------------------------------

  /** Arms the idle timer if pressured exit applies and it is not armed yet. */
  private scheduleIdleExit(instance: Instance, afterMs?: number): void {
    if (instance.idleTimer !== undefined) return;
    if (!instance.job.pressuredExit || instance.state !== 'running' || instance.terminating || instance.process === undefined) return;
    instance.idleTimer = setTimeout(() => this.idleTimeout(instance), afterMs ?? this.idleTimeoutMsOf(instance));
  }

  private idleTimeoutMsOf(instance: Instance): number {
    return instance.job.idleTimeoutSec !== undefined ? instance.job.idleTimeoutSec * 1000 : this.ctx.timings.idleTimeoutMs;
  }

  private idleTimeout(instance: Instance): void {
    instance.idleTimer = undefined;
    const proc = instance.process;
    if (proc === undefined || proc.gone || instance.state !== 'running' || instance.terminating || instance.pid === undefined) return;
    // Busy now: the timer is armed again when the count next returns to 0.
    if (instance.idleSince === undefined || this.accountsFor(proc).transactions.count > 0) return;
    const idleMs = (this.ctx.bus.now() - instance.idleSince) / 1e6;
    const timeoutMs = this.idleTimeoutMsOf(instance);
    if (idleMs < timeoutMs) {
      this.scheduleIdleExit(instance, timeoutMs - idleMs);
      return;
    }
    if (this.router.hasHeldMessages(proc) || instance.waiting.size > 0) {
      this.scheduleIdleExit(instance);
      return;
    }
    instance.state = 'exiting';
    this.supervisor.expectExit(instance.pid, 'idle-exit');
    this.ctx.send(proc, { op: 'idle-exit' });
    const pid = instance.pid;
    instance.killTimer = setTimeout(() => this.supervisor.terminate(pid, 'idle-exit', this.ctx.timings.killGraceMs), this.ctx.timings.killGraceMs);
  }

  /** Forced termination of every instance of a job; resolves when they have exited. */
  async stopJob(label: string): Promise<void> {
    const instances = [...this.instances.values()].filter((i) => i.job.label === label);
    await Promise.all(instances.map((i) => this.terminate(i, 'terminated')));
  }

  /**
   * The forced-termination path of xpc_main(3): with transactions open, the service's peers get
   * TERMINATION_IMMINENT, no further messages are delivered, and the process exits when its last
   * transaction ends (killed if that takes longer than terminationTimeoutMs).
   */
  async terminate(instance: Instance, reason: 'terminated' | 'client-exited'): Promise<void> {
    if (instance.state === 'launching') await instance.launched;
    const pid = instance.pid;
    if (pid === undefined || instance.ended) return;
    const exited = this.exitOf(instance);
    const proc = instance.process;
    const count = proc === undefined || proc.gone ? 0 : this.accountsFor(proc).transactions.count;
    if (count === 0 || reason === 'client-exited') {
      instance.state = 'exiting';
      this.supervisor.terminate(pid, reason, this.ctx.timings.killGraceMs);
    } else if (!instance.terminating && proc !== undefined) {
      instance.terminating = true;
      clearTimeout(instance.idleTimer);
      instance.idleTimer = undefined;
      this.ctx.bus.emit({ kind: 'termination-imminent', pid, job: instance.job.label, transactionsHeld: count });
      const why = `${instance.job.label} is being stopped: finish outstanding work; no further messages will be delivered`;
      for (const peer of proc.peers.values()) this.ctx.send(proc, { op: 'peer-error', peer: peer.id, error: XPC_ERROR_TERMINATION_IMMINENT, reason: why });
      this.supervisor.expectExit(pid, reason);
      instance.killTimer = setTimeout(() => this.supervisor.terminate(pid, reason, this.ctx.timings.killGraceMs), this.ctx.timings.terminationTimeoutMs);
    }
    await exited;
  }

  private requestExit(instance: Instance, why: string): void {
    const proc = instance.process;
    const pid = instance.pid;
    if (proc === undefined || pid === undefined || instance.state === 'exiting') return;
    instance.state = 'exiting';
    this.ctx.send(proc, { op: 'exit', reason: why });
    clearTimeout(instance.killTimer);
    instance.killTimer = setTimeout(() => this.supervisor.terminate(pid, 'terminated', this.ctx.timings.killGraceMs), this.ctx.timings.killGraceMs);
  }

  /** Stops everything: the forced path for each instance (bounded), then the supervisor. */
  async stopAll(): Promise<void> {
    this.ctx.stopping = true;
    clearInterval(this.longHeldTimer);
    const bound = this.ctx.timings.terminationTimeoutMs + this.ctx.timings.killGraceMs + 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.instances.values()].map((i) => this.terminate(i, 'terminated'))),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, bound))),
    ]);
    clearTimeout(timer);
    await this.supervisor.stopAll(this.ctx.timings.killGraceMs);
    for (const instance of this.instances.values()) this.clearTimers(instance);
  }

  private clientGone(pid: number): void {
    for (const instance of [...this.instances.values()]) {
      if (instance.clientPid !== pid || instance.ended) continue;
      instance.clientGone = true;
      if (instance.state !== 'launching') void this.terminate(instance, 'client-exited');
    }
  }

  private exitOf(instance: Instance): Promise<void> {
    if (instance.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(instance) ?? [];
      list.push(resolve);
      this.exitWaiters.set(instance, list);
    });
  }

  // ---- exits ----------------------------------------------------------------------------

  private onExit(info: ExitInfo): void {
    if (info.pid === 0) {
      this.ctx.bus.emit({
        kind: 'process-exited',
        job: info.job.label,
        pid: 0,
        code: info.code,
        signal: info.signal,
        reason: info.reason,
        description: info.description,
        transactionsHeld: 0,
      });
      return;
    }
    const instance = this.byPid.get(info.pid);
    const live = instance?.departed === true ? undefined : this.accounts.get(info.pid)?.transactions.count;
    this.ctx.bus.emit({
      kind: 'process-exited',
      job: info.job.label,
      pid: info.pid,
      code: info.code,
      signal: info.signal,
      reason: info.reason,
      description: info.description,
      transactionsHeld: instance?.heldAtDeparture ?? live ?? 0,
    });
    if (instance === undefined) {
      this.clearAccounts(info.pid);
      return;
    }
    this.rememberExit(instance.key, info.reason);
    const who = `${instance.job.label} (pid ${info.pid})`;
    this.depart(instance, { reason: instance.failReason ?? `${who} ${exitPhrase(info)}`, retryable: info.reason !== 'client-exited' });
    this.forget(instance);
    if (instance.waiting.size === 0) return;
    if (this.ctx.stopping) this.router.failWaiting(instance, 'the broker is shutting down');
    else if (!instance.checkedIn || instance.failReason !== undefined) {
      this.router.failWaiting(instance, instance.failReason ?? `${who} ${exitPhrase(info)} before it started listening`);
    } else {
      // Connections that were waiting for the old process get a fresh one (throttled by ThrottleInterval).
      const next = this.newInstance(instance.job, instance.key, instance.clientPid);
      const first = [...instance.waiting][0];
      for (const conn of instance.waiting) this.wait(next, conn);
      instance.waiting.clear();
      this.launch(next, info.reason === 'crashed' ? 'relaunch' : 'on-demand', first?.transit[0]);
    }
  }

  /** The instance's process has left the routing picture: its peers are told, its accounts closed. */
  private depart(instance: Instance, why: Departure): void {
    if (instance.departed) return;
    instance.departed = true;
    instance.state = 'exiting';
    clearTimeout(instance.goneTimer);
    const proc = instance.process;
    if (proc !== undefined) proc.gone = true;
    // Its accounts close first (−1 process-exit for each open transaction), then its clients hear of it.
    if (instance.pid !== undefined) instance.heldAtDeparture = this.clearAccounts(instance.pid);
    if (proc !== undefined) this.router.serviceDeparted(proc, why);
  }

  private rememberExit(key: string, reason: ExitReason): void {
    this.lastExit.delete(key);
    this.lastExit.set(key, reason);
    // Per-client keys of XPC services come and go; keep the memory bounded.
    if (this.lastExit.size > MAX_REMEMBERED_EXITS) this.lastExit.delete(this.lastExit.keys().next().value!);
  }

  private forget(instance: Instance): void {
    instance.ended = true;
    this.clearTimers(instance);
    if (this.instances.get(instance.key) === instance) this.instances.delete(instance.key);
    if (instance.pid !== undefined && this.byPid.get(instance.pid) === instance) this.byPid.delete(instance.pid);
    for (const resolve of this.exitWaiters.get(instance) ?? []) resolve();
    this.exitWaiters.delete(instance);
  }

  private clearTimers(instance: Instance): void {
    clearTimeout(instance.idleTimer);
    clearTimeout(instance.checkInTimer);
    clearTimeout(instance.killTimer);
    clearTimeout(instance.goneTimer);
  }
}

function instanceKey(job: Job, clientPid: number | undefined): string {
  return clientPid === undefined ? job.label : `${job.label}#${clientPid}`;
}

/** "crashed (killed by SIGKILL)", "exited after being idle (exited with code 0)", … */
function exitPhrase(info: ExitInfo): string {
  const what: Record<ExitReason, string> = {
    exited: 'exited',
    crashed: 'crashed',
    'idle-exit': 'exited after being idle',
    terminated: 'was terminated',
    'client-exited': 'was ended because its client exited',
    'launch-failed': 'failed to launch',
  };
  return `${what[info.reason]} (${info.description})`;
}
