/**
 * The embedded XPC runtime. It plays launchd for a set of jobs, launches services on demand,
 * routes every message between real processes over a Unix-domain socket, keeps xpc_main(3)'s
 * transaction accounting and idle exit, restarts crashed services, applies boosts and peer
 * requirements, and reports every happening as a typed event. No Electron import: the desktop
 * shell and the headless server host it alike.
 */
import { randomBytes } from 'node:crypto';
import type { InspectorEvent, JobSummary } from '../../app/events/schema';
import { ENV_JOB_LABEL, ENV_JOB_TOKEN, ENV_PROCESS_TYPE, ENV_SOCKET } from '../../app/protocol/env';
import { defaultSocketPath, listenUnix, type UnixServer } from '../transport';
import { BrokerContext, DEFAULT_TIMINGS, type BrokerTimings } from './context';
import { EventBus, type EventListener } from './event-bus';
import { formatJobWarning, loadJobsFromDirectory, type Job } from './jobs';
import { Lifecycle } from './lifecycle';
import { DEFAULT_MESSAGE_STORE_LIMITS, MessageStore, type MessageStoreLimits } from './message-store';
import { ProcessLinks } from './process-link';
import { ProbeIngest } from '../probe/ingest';
import { ServiceRegistry } from './registry';
import { Router } from './router';
import { resolveSocketLimits, socketLimitOptions, type BrokerSocketLimits } from './socket-limits';

export interface BrokerOptions extends Partial<BrokerTimings> {
  /** A launchd jobs directory (DIR/*.plist, LaunchAgents/, LaunchDaemons/, XPCServices/). */
  readonly jobsDir?: string;
  /** Jobs given directly (added after those of jobsDir). */
  readonly jobs?: readonly Job[];
  /** Where to listen; default: the per-user runtime directory. */
  readonly socketPath?: string;
  /** Added to the environment of every launched process (a job's EnvironmentVariables win). */
  readonly env?: Readonly<Record<string, string>>;
  /** Bounds of the raw-frame store behind messageBytes(). */
  readonly messageStore?: Partial<MessageStoreLimits>;
  /** Bounds on what processes on the socket can make the broker hold (docs/security.md). */
  readonly socketLimits?: Partial<BrokerSocketLimits>;
  /** Where internal problems and protocol violations are logged (default console.warn). */
  readonly log?: (line: string) => void;
  /**
   * Also listen here for native probes (native-probe/): processes observed on macOS stream
   * their XPC traffic into the same events. Off when not given.
   */
  readonly probeSocketPath?: string;
}

export class Broker {
  private readonly startupEvents: InspectorEvent[] = [];
  private stopping: Promise<void> | undefined;
  private probes: ProbeIngest | undefined;

  private constructor(
    readonly socketPath: string,
    private readonly bus: EventBus,
    private readonly ctx: BrokerContext,
    private readonly lifecycle: Lifecycle,
    private readonly server: UnixServer,
    private readonly summaries: readonly JobSummary[],
  ) {}

  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const log = options.log ?? ((line: string) => console.warn(`xpc-inspector broker: ${line}`));
    const bus = new EventBus(log);
    const startupEvents: InspectorEvent[] = [];
    const stopRecording = bus.on((e) => startupEvents.push(e));

    const jobs: Job[] = [];
    if (options.jobsDir !== undefined) {
      const loaded = await loadJobsFromDirectory(options.jobsDir);
      for (const failure of loaded.failures) bus.emit({ kind: 'job-failed', file: failure.file, ...(failure.key !== undefined ? { key: failure.key } : {}), error: failure.error });
      for (const job of loaded.jobs) {
        const warnings = loaded.warnings.filter((w) => w.file === job.file).map(formatJobWarning);
        bus.emit({ kind: 'job-loaded', job: summaryOf(job), warnings });
        jobs.push(job);
      }
    }
    for (const job of options.jobs ?? []) {
      bus.emit({ kind: 'job-loaded', job: summaryOf(job), warnings: [] });
      jobs.push(job);
    }

    const timings: BrokerTimings = {
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_TIMINGS.idleTimeoutMs,
      longHeldTransactionMs: options.longHeldTransactionMs ?? DEFAULT_TIMINGS.longHeldTransactionMs,
      terminationTimeoutMs: options.terminationTimeoutMs ?? DEFAULT_TIMINGS.terminationTimeoutMs,
      killGraceMs: options.killGraceMs ?? DEFAULT_TIMINGS.killGraceMs,
      checkInTimeoutMs: options.checkInTimeoutMs ?? DEFAULT_TIMINGS.checkInTimeoutMs,
      eventBodyCapBytes: options.eventBodyCapBytes ?? DEFAULT_TIMINGS.eventBodyCapBytes,
      helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_TIMINGS.helloTimeoutMs,
    };
    const socketPath = options.socketPath ?? defaultSocketPath();
    const store = new MessageStore({ ...DEFAULT_MESSAGE_STORE_LIMITS, ...options.messageStore });
    const registry = new ServiceRegistry(jobs);
    const ctx = new BrokerContext(bus, store, registry, timings, log);
    const router = new Router(ctx);

    // Each job gets a secret token; a process that presents it in hello is that job's process.
    const tokens = new Map<string, string>();
    const launchable = new Map<string, Job>();
    for (const job of jobs) {
      const token = randomBytes(16).toString('hex');
      tokens.set(token, job.label);
      launchable.set(job.label, {
        ...job,
        environment: {
          ...options.env,
          ...job.environment,
          [ENV_SOCKET]: socketPath,
          [ENV_JOB_TOKEN]: token,
          [ENV_JOB_LABEL]: job.label,
          [ENV_PROCESS_TYPE]: job.processType === 'Interactive' ? 'app' : 'background',
        },
      });
    }
    const lifecycle = new Lifecycle(ctx, router, (job) => launchable.get(job.label) ?? job);
    router.setInstanceControl(lifecycle);
    const links = new ProcessLinks(ctx, router, lifecycle, (token) => tokens.get(token));

    let server: UnixServer;
    try {
      // Message bodies are located in each frame, so the broker forwards them without re-encoding.
      const limits = socketLimitOptions(resolveSocketLimits(options.socketLimits));
      server = await listenUnix(socketPath, { onConnection: (link) => links.accept(link), log, locateEntry: 'body', ...limits });
    } catch (error) {
      await lifecycle.stopAll();
      throw error;
    }
    let probes: ProbeIngest | undefined;
    if (options.probeSocketPath !== undefined) {
      try {
        probes = await ProbeIngest.start(ctx, options.probeSocketPath, log);
      } catch (error) {
        await lifecycle.stopAll();
        await server.close();
        throw error;
      }
    }
    const broker = new Broker(socketPath, bus, ctx, lifecycle, server, jobs.map(summaryOf));
    broker.probes = probes;
    stopRecording();
    broker.startupEvents.push(...startupEvents);
    // Launch after start() has returned, so whoever subscribes right away sees the launches.
    setImmediate(() => {
      if (!ctx.stopping) lifecycle.startAtLoad(jobs);
    });
    return broker;
  }

  /**
   * Subscribes to every event from now on. The events of start-up (jobs loaded or failed) are
   * replayed to each new listener first, so a host that subscribes after start() misses nothing
   * of them; seq still increases strictly across replay and live events. `replayStartup: false`
   * skips the replay (for a listener that only follows what happens next).
   */
  onEvent(listener: EventListener, options: { readonly replayStartup?: boolean } = {}): () => void {
    if (options.replayStartup !== false) for (const event of this.startupEvents) listener(event);
    return this.bus.on(listener);
  }

  /** The raw frame (header + XPC payload) of a recent message, while the bounded store holds it. */
  messageBytes(messageId: number): Uint8Array | undefined {
    return this.ctx.store.get(messageId);
  }

  /** Where native probes connect, when the broker was started with probeSocketPath. */
  get probeSocketPath(): string | undefined {
    return this.probes?.path;
  }

  jobs(): readonly JobSummary[] {
    return this.summaries;
  }

  /**
   * Stops a job's running processes the forced way: an idle one at once; a busy one is told
   * TERMINATION_IMMINENT and exits when its last transaction ends (or is killed after a bound).
   * Resolves when they have exited.
   */
  async stopService(job: string): Promise<void> {
    if (this.ctx.registry.job(job) === undefined) throw new Error(`no job labelled "${job}" is loaded`);
    await this.lifecycle.stopJob(job);
  }

  /** Stops every service (forced path), closes the socket and every client's connection. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.lifecycle.stopAll();
      await this.probes?.close();
      await this.server.close();
    })();
    return this.stopping;
  }
}

function summaryOf(job: Job): JobSummary {
  return {
    label: job.label,
    kind: job.kind,
    machServices: job.machServices,
    program: job.program,
    arguments: job.arguments,
    keepAlive: job.keepAlive,
    runAtLoad: job.runAtLoad,
    throttleIntervalSec: job.throttleIntervalSec,
    pressuredExit: job.pressuredExit,
    adaptive: job.adaptive,
    file: job.file,
  };
}
