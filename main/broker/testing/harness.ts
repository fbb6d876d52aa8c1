/**
 * A broker on a temporary jobs directory for integration tests: writes real launchd plists
 * for fixture jobs, records every event, waits for events and for output of child clients.
 * Everything it runs is a real process on a real socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventKind, EventOfKind, InspectorEvent } from '../../../app/events/schema';
import { ENV_PROCESS_TYPE, ENV_SOCKET } from '../../../app/protocol/env';
import { Broker, type BrokerOptions } from '../broker';
import type { LaunchdProcessType } from '../jobs/job';

export interface FixtureJob {
  readonly label: string;
  readonly kind: 'agent' | 'daemon' | 'xpc-service';
  /** Absolute path of the bundled program, run with the broker's node. */
  readonly program: string;
  /** The whole ProgramArguments instead of ['node', program, ...args]. */
  readonly argv?: readonly string[];
  readonly args?: readonly string[];
  readonly services?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly keepAlive?: boolean;
  readonly runAtLoad?: boolean;
  readonly throttleIntervalSec?: number;
  readonly processType?: LaunchdProcessType;
  readonly pressuredExit?: boolean;
  readonly idleTimeoutSec?: number;
}

const FOLDER = { agent: 'LaunchAgents', daemon: 'LaunchDaemons', 'xpc-service': 'XPCServices' } as const;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function plistFor(job: FixtureJob): string {
  const lines: string[] = [];
  const key = (k: string): number => lines.push(`  <key>${k}</key>`);
  const str = (s: string, indent = '  '): number => lines.push(`${indent}<string>${xmlEscape(s)}</string>`);
  const bool = (k: string, v: boolean | undefined): void => {
    if (v === undefined) return;
    key(k);
    lines.push(`  <${v}/>`);
  };
  key('Label');
  str(job.label);
  key('ProgramArguments');
  lines.push('  <array>');
  for (const arg of job.argv ?? ['node', job.program, ...(job.args ?? [])]) str(arg, '    ');
  lines.push('  </array>');
  if (job.services !== undefined) {
    key('MachServices');
    lines.push('  <dict>');
    for (const s of job.services) lines.push(`    <key>${xmlEscape(s)}</key>`, '    <true/>');
    lines.push('  </dict>');
  }
  if (job.env !== undefined) {
    key('EnvironmentVariables');
    lines.push('  <dict>');
    for (const [k, v] of Object.entries(job.env)) lines.push(`    <key>${xmlEscape(k)}</key>`, `    <string>${xmlEscape(v)}</string>`);
    lines.push('  </dict>');
  }
  bool('KeepAlive', job.keepAlive);
  bool('RunAtLoad', job.runAtLoad);
  bool('EnablePressuredExit', job.pressuredExit);
  if (job.throttleIntervalSec !== undefined) {
    key('ThrottleInterval');
    lines.push(`  <integer>${job.throttleIntervalSec}</integer>`);
  }
  if (job.processType !== undefined) {
    key('ProcessType');
    str(job.processType);
  }
  if (job.idleTimeoutSec !== undefined) {
    key('XPCInspectorIdleTimeout');
    lines.push(`  <real>${job.idleTimeoutSec}</real>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
${lines.join('\n')}
</dict>
</plist>
`;
}

export interface WaitOptions {
  /** Only events with a higher seq count (see mark()). */
  readonly after?: number;
  readonly timeoutMs?: number;
}

/** A child process running an SDK client program, speaking JSON lines on stdout. */
export class ChildClient {
  readonly lines: unknown[] = [];
  readonly stderr: string[] = [];
  private readonly waiters: { match: (line: unknown) => boolean; resolve: (line: unknown) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly process: ChildProcess) {
    let buffer = '';
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (text.trim() === '') continue;
        let line: unknown;
        try {
          line = JSON.parse(text);
        } catch {
          line = text;
        }
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.match(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
    process.stderr?.setEncoding('utf8');
    process.stderr?.on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => process.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The first stdout line (parsed JSON) matching `match`, seen already or to come. */
  line<T = Record<string, unknown>>(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000, what = 'a matching line'): Promise<T> {
    const test = (l: unknown): boolean => typeof l === 'object' && l !== null && match(l as Record<string, unknown>);
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from client pid ${this.pid}; got ${JSON.stringify(this.lines)} stderr ${this.stderr.join('')}`)), timeoutMs);
      this.waiters.push({
        match: test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l as T);
        },
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.process.kill(signal);
  }
}

export class TestBroker {
  readonly events: InspectorEvent[] = [];
  private readonly waiters: { match: (e: InspectorEvent) => boolean; resolve: (e: InspectorEvent) => void }[] = [];
  private readonly children: ChildClient[] = [];

  /** Events seen per kind, including those not kept. */
  readonly counts = new Map<EventKind, number>();

  private constructor(
    readonly broker: Broker,
    readonly dir: string,
    private readonly socketDir: string,
    keep: (e: InspectorEvent) => boolean,
  ) {
    broker.onEvent((e) => {
      this.counts.set(e.kind, (this.counts.get(e.kind) ?? 0) + 1);
      if (!keep(e)) return;
      this.events.push(e);
      for (const w of [...this.waiters]) {
        if (w.match(e)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  }

  /** `keep` chooses which events are remembered (all by default; a load test keeps few). */
  static async start(
    jobs: readonly FixtureJob[],
    options: Omit<BrokerOptions, 'jobsDir' | 'socketPath'> = {},
    keep: (e: InspectorEvent) => boolean = () => true,
  ): Promise<TestBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'xpc-jobs-'));
    for (const job of jobs) {
      const folder = join(dir, FOLDER[job.kind]);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${job.label}.plist`), plistFor(job));
    }
    // sun_path is short: keep the socket in a short /tmp directory.
    const socketDir = mkdtempSync('/tmp/xpct-');
    const broker = await Broker.start({ jobsDir: dir, socketPath: join(socketDir, 'b.sock'), log: () => undefined, ...options });
    return new TestBroker(broker, dir, socketDir, keep);
  }

  get socketPath(): string {
    return this.broker.socketPath;
  }

  /** The seq of the latest event: pass as `after` to wait only for what happens next. */
  mark(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  of<K extends EventKind>(kind: K, match: (e: EventOfKind<K>) => boolean = () => true, after = 0): EventOfKind<K>[] {
    return this.events.filter((e): e is EventOfKind<K> => e.kind === kind && e.seq > after && match(e as EventOfKind<K>));
  }

  /** The first event of `kind` matching `match` (already seen, or the next to come). */
  waitFor<K extends EventKind>(kind: K, match: (e: EventOfKind<K>) => boolean = () => true, options: WaitOptions = {}): Promise<EventOfKind<K>> {
    const after = options.after ?? 0;
    const test = (e: InspectorEvent): boolean => e.kind === kind && e.seq > after && match(e as EventOfKind<K>);
    const seen = this.events.find(test);
    if (seen !== undefined) return Promise.resolve(seen as EventOfKind<K>);
    const timeoutMs = options.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const tail = this.events.slice(-15).map((e) => `${e.seq} ${e.kind} ${JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a ${kind} event; last events:\n${tail.join('\n')}`));
      }, timeoutMs);
      this.waiters.push({
        match: test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as EventOfKind<K>);
        },
      });
    });
  }

  /** Runs an SDK client program as a child process connected to this broker. */
  spawnClient(program: string, args: readonly string[] = [], env: Readonly<Record<string, string>> = {}): ChildClient {
    const child = spawn(process.execPath, [program, ...args], {
      env: { ...process.env, [ENV_SOCKET]: this.socketPath, [ENV_PROCESS_TYPE]: 'app', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const client = new ChildClient(child);
    this.children.push(client);
    return client;
  }

  async stop(): Promise<void> {
    for (const child of this.children) if (child.process.exitCode === null && child.process.signalCode === null) child.kill();
    await this.broker.stop();
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
