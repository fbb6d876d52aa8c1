import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchFailedError, UNBOOSTED_NICE_OFFSET } from './process-supervisor';
import { fixture, isAlive, jobFrom, RecordingSupervisor, waitFor, waitUntilDead } from './test-support';

let dir: string;
let rec: RecordingSupervisor;
const strays: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpc-sup-'));
  rec = new RecordingSupervisor();
});
afterEach(async () => {
  await rec.supervisor.stopAll(200);
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const node = (label: string, script: string, ...args: string[]) => ({ Label: label, ProgramArguments: ['node', fixture(script), ...args] });

async function exitOf(pid: number) {
  const exited = rec.supervisor.exited(pid);
  if (!exited) throw new Error(`pid ${pid} is not supervised`);
  return exited;
}

describe('launching and output', () => {
  it('emits each stdout and stderr line, including an unterminated last line, before the exit', async () => {
    const job = jobFrom(dir, node('com.test.print', 'print-and-exit.mjs'));
    const child = await rec.supervisor.launch(job, { reason: 'on-demand' });
    const exit = await exitOf(child.pid);
    expect(rec.linesOf(child.pid, 'stdout')).toEqual(['out one', 'out two', 'out tail without newline']);
    expect(rec.linesOf(child.pid, 'stderr')).toEqual(['err one']);
    expect(rec.lines.every((l) => l.job === 'com.test.print')).toBe(true);
    expect(rec.exits).toEqual([exit]);
    expect(exit).toMatchObject({ pid: child.pid, code: 0, signal: null, reason: 'exited', description: 'exited with code 0' });
  });

  it('appends raw output to StandardOutPath and StandardErrorPath, keeping what was there', async () => {
    writeFileSync(join(dir, 'out.log'), 'earlier run\n');
    const job = jobFrom(dir, { ...node('com.test.logs', 'print-and-exit.mjs'), StandardOutPath: 'out.log', StandardErrorPath: join(dir, 'err.log') });
    await exitOf((await rec.supervisor.launch(job, { reason: 'on-demand' })).pid);
    expect(readFileSync(join(dir, 'out.log'), 'utf8')).toBe('earlier run\nout one\nout two\r\nout tail without newline');
    expect(readFileSync(join(dir, 'err.log'), 'utf8')).toBe('err one\n');
  });

  it('runs the program with its argv, EnvironmentVariables, extra env, XPC_SERVICE_NAME and WorkingDirectory', async () => {
    mkdirSync(join(dir, 'work'));
    process.env['OVERRIDDEN'] = 'from broker';
    try {
      const job = jobFrom(dir, {
        ...node('com.test.env', 'report-environment.mjs', 'a b', '--flag'),
        WorkingDirectory: 'work',
        EnvironmentVariables: { FROM_PLIST: 'plist', OVERRIDDEN: 'from plist' },
      });
      const child = await rec.supervisor.launch(job, { reason: 'on-demand', extraEnv: { FROM_CALLER: 'caller', OVERRIDDEN: 'from caller' } });
      await exitOf(child.pid);
      expect(rec.linesOf(child.pid, 'stdout')).toEqual([
        `cwd=${join(dir, 'work')}`,
        'argv0=node',
        'args=["a b","--flag"]',
        'XPC_SERVICE_NAME=com.test.env',
        'FROM_PLIST=plist',
        'FROM_CALLER=caller',
        'OVERRIDDEN=from caller',
      ]);
    } finally {
      delete process.env['OVERRIDDEN'];
    }
  });

  it('lists running processes per job and forgets them once they exit', async () => {
    const a = await rec.supervisor.launch(jobFrom(dir, node('com.test.a', 'wait-forever.mjs')), { reason: 'on-demand' });
    const b = await rec.supervisor.launch(jobFrom(dir, node('com.test.b', 'wait-forever.mjs')), { reason: 'run-at-load' });
    expect(rec.supervisor.running().map((p) => p.pid).sort()).toEqual([a.pid, b.pid].sort());
    expect(rec.supervisor.running('com.test.b')).toEqual([b]);
    expect(b.reason).toBe('run-at-load');
    rec.supervisor.terminate(a.pid, 'terminated');
    await exitOf(a.pid);
    expect(rec.supervisor.running().map((p) => p.pid)).toEqual([b.pid]);
  });

  it('gives concurrent launches of one job the same process, and each XPC service client its own', async () => {
    const agent = jobFrom(dir, node('com.test.single', 'wait-forever.mjs'));
    const [x, y] = await Promise.all([rec.supervisor.launch(agent, { reason: 'on-demand' }), rec.supervisor.launch(agent, { reason: 'on-demand' })]);
    expect(x.pid).toBe(y.pid);
    expect((await rec.supervisor.launch(agent, { reason: 'on-demand' })).pid).toBe(x.pid);

    const service = jobFrom(dir, node('com.test.perclient', 'wait-forever.mjs'), 'xpc-service');
    const forA = await rec.supervisor.launch(service, { reason: 'on-demand', forClientPid: 1111 });
    const forB = await rec.supervisor.launch(service, { reason: 'on-demand', forClientPid: 2222 });
    expect(forA.pid).not.toBe(forB.pid);
    expect([forA.forClientPid, forB.forClientPid]).toEqual([1111, 2222]);
    rec.supervisor.terminate(forA.pid, 'client-exited');
    expect(await exitOf(forA.pid)).toMatchObject({ reason: 'client-exited', forClientPid: 1111 });
  });
});

describe('exit reasons', () => {
  it('reports kill -9 as a crash "killed by SIGKILL"', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.k9', 'wait-forever.mjs')), { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    process.kill(child.pid, 'SIGKILL');
    expect(await exitOf(child.pid)).toMatchObject({ code: null, signal: 'SIGKILL', reason: 'crashed', description: 'killed by SIGKILL' });
  });

  it('reports a non-zero exit status as a crash with the code', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.code', 'print-and-exit.mjs', '3')), { reason: 'on-demand' });
    expect(await exitOf(child.pid)).toMatchObject({ code: 3, signal: null, reason: 'crashed', description: 'exited with code 3' });
  });

  it('keeps the reason the broker gave for an exit it expected', async () => {
    const job = jobFrom(dir, node('com.test.idle', 'wait-forever.mjs'));
    const child = await rec.supervisor.launch(job, { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    rec.supervisor.expectExit(child.pid, 'idle-exit');
    process.kill(child.pid, 'SIGKILL');
    expect(await exitOf(child.pid)).toMatchObject({ reason: 'idle-exit', description: 'idle exit: killed by SIGKILL' });
  });

  it('terminate() sends SIGTERM and reports the given reason', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.term', 'wait-forever.mjs')), { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    expect(rec.supervisor.terminate(child.pid, 'terminated', 5000)).toBe(true);
    // The fixture exits 0 on SIGTERM, so the status shows it stopped by itself in time.
    expect(await exitOf(child.pid)).toMatchObject({ code: 0, reason: 'terminated', description: 'terminated: exited with code 0' });
    expect(rec.supervisor.terminate(child.pid, 'terminated')).toBe(false);
  });

  it('terminate() escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.stubborn', 'wait-forever.mjs', '--ignore-sigterm')), { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    const start = performance.now();
    rec.supervisor.terminate(child.pid, 'terminated', 300);
    const exit = await exitOf(child.pid);
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    expect(rec.linesOf(child.pid, 'stdout')).toContain('ignoring SIGTERM');
    expect(exit).toMatchObject({ signal: 'SIGKILL', reason: 'terminated', description: 'terminated: killed by SIGKILL' });
  });

  it('reports a missing program as launch-failed with the path, and rejects the launch', async () => {
    const job = jobFrom(dir, { Label: 'com.test.missing', Program: '/x/y' });
    const launch = rec.supervisor.launch(job, { reason: 'on-demand' });
    await expect(launch).rejects.toThrow(LaunchFailedError);
    await expect(launch).rejects.toThrow('cannot launch com.test.missing: ENOENT: no such file /x/y');
    expect(rec.exits).toEqual([
      { pid: 0, job, code: null, signal: null, reason: 'launch-failed', description: 'ENOENT: no such file /x/y' },
    ]);
  });

  it('reports a program name not found on PATH as launch-failed', async () => {
    const job = jobFrom(dir, { Label: 'com.test.nopath', ProgramArguments: ['no-such-program-xpc-inspector'] });
    await expect(rec.supervisor.launch(job, { reason: 'on-demand' })).rejects.toThrow(
      'ENOENT: no such file no-such-program-xpc-inspector (searched PATH)',
    );
  });

  it('reports a missing WorkingDirectory or an unwritable log path as launch-failed, naming the path', async () => {
    const noDir = jobFrom(dir, { ...node('com.test.nodir', 'print-and-exit.mjs'), WorkingDirectory: '/nonexistent/wd' });
    await expect(rec.supervisor.launch(noDir, { reason: 'on-demand' })).rejects.toThrow('ENOENT: no such WorkingDirectory /nonexistent/wd');
    const noLog = jobFrom(dir, { ...node('com.test.nolog', 'print-and-exit.mjs'), StandardErrorPath: '/nonexistent/err.log' });
    await expect(rec.supervisor.launch(noLog, { reason: 'on-demand' })).rejects.toThrow(
      'cannot open StandardErrorPath: ENOENT: no such file /nonexistent/err.log',
    );
    expect(rec.exits.map((e) => e.reason)).toEqual(['launch-failed', 'launch-failed']);
  });
});

describe('throttling, KeepAlive and RunAtLoad', () => {
  it('does not relaunch sooner than ThrottleInterval after the previous launch, and reports the wait', async () => {
    const job = jobFrom(dir, { ...node('com.test.throttle', 'print-and-exit.mjs'), ThrottleInterval: 1 });
    const first = await rec.supervisor.launch(job, { reason: 'on-demand' });
    await exitOf(first.pid);
    expect(rec.throttled).toEqual([]);
    const second = await rec.supervisor.launch(job, { reason: 'relaunch' });
    const gapMs = second.launchedAt - first.launchedAt;
    expect(gapMs).toBeGreaterThanOrEqual(995);
    expect(gapMs).toBeLessThan(3000);
    expect(rec.throttled).toHaveLength(1);
    const [throttled] = rec.throttled;
    expect(throttled?.job).toBe('com.test.throttle');
    expect(throttled?.delayNs).toBeGreaterThan(0);
    expect(throttled?.delayNs).toBeLessThanOrEqual(1e9);
    // The reported delay is what was still to wait: previous launch + interval - time of the report.
    expect(Math.abs((throttled?.delayNs ?? 0) / 1e6 - (first.launchedAt + 1000 - (throttled?.at ?? 0)))).toBeLessThan(20);
  });

  it('relaunches at once when ThrottleInterval is 0', async () => {
    const job = jobFrom(dir, { ...node('com.test.nothrottle', 'print-and-exit.mjs'), ThrottleInterval: 0 });
    await exitOf((await rec.supervisor.launch(job, { reason: 'on-demand' })).pid);
    await rec.supervisor.launch(job, { reason: 'relaunch' });
    expect(rec.throttled).toEqual([]);
  });

  it('relaunches a KeepAlive job after it exits, throttled', async () => {
    const job = jobFrom(dir, { ...node('com.test.keepalive', 'print-and-exit.mjs'), KeepAlive: true, ThrottleInterval: 1 });
    const first = await rec.supervisor.launch(job, { reason: 'on-demand' });
    await waitFor(() => rec.keepAliveLaunches.length >= 1, 10_000, 'a KeepAlive relaunch');
    const again = rec.keepAliveLaunches[0];
    expect(again?.pid).not.toBe(first.pid);
    expect(again?.reason).toBe('keep-alive');
    expect((again?.launchedAt ?? 0) - first.launchedAt).toBeGreaterThanOrEqual(995);
    expect(rec.throttled.map((t) => t.job)).toEqual(['com.test.keepalive']);
  });

  it('follows KeepAlive SuccessfulExit=false: relaunch after a failure, not after status 0', async () => {
    const keys = { KeepAlive: { SuccessfulExit: false }, ThrottleInterval: 0 };
    const failing = jobFrom(dir, { ...node('com.test.failing', 'print-and-exit.mjs', '2'), ...keys });
    const clean = jobFrom(dir, { ...node('com.test.clean', 'print-and-exit.mjs', '0'), ...keys });
    await rec.supervisor.launch(clean, { reason: 'on-demand' });
    await rec.supervisor.launch(failing, { reason: 'on-demand' });
    await waitFor(() => rec.keepAliveLaunches.some((p) => p.job.label === 'com.test.failing'), 10_000, 'relaunch of the failing job');
    await waitFor(() => rec.exits.some((e) => e.job.label === 'com.test.clean'), 10_000, 'the clean exit');
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.keepAliveLaunches.some((p) => p.job.label === 'com.test.clean')).toBe(false);
  });

  it('follows KeepAlive Crashed=true: relaunch after SIGSEGV, not after SIGKILL', async () => {
    const keys = { KeepAlive: { Crashed: true }, ThrottleInterval: 0, WorkingDirectory: dir };
    const segv = jobFrom(dir, { ...node('com.test.segv', 'crash-with-signal.mjs', 'SIGSEGV'), ...keys });
    await rec.supervisor.launch(segv, { reason: 'on-demand' });
    await waitFor(() => rec.keepAliveLaunches.length >= 1, 10_000, 'relaunch after SIGSEGV');
    expect(rec.exits[0]).toMatchObject({ signal: 'SIGSEGV', reason: 'crashed' });

    const killed = jobFrom(dir, { ...node('com.test.killed', 'wait-forever.mjs'), ...keys });
    const child = await rec.supervisor.launch(killed, { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    process.kill(child.pid, 'SIGKILL');
    await exitOf(child.pid);
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.keepAliveLaunches.filter((p) => p.job.label === 'com.test.killed')).toEqual([]);
  });

  it('does not relaunch a KeepAlive job the broker stopped', async () => {
    const job = jobFrom(dir, { ...node('com.test.stopped', 'wait-forever.mjs'), KeepAlive: true, ThrottleInterval: 0 });
    const child = await rec.supervisor.launch(job, { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    rec.supervisor.terminate(child.pid, 'terminated');
    await exitOf(child.pid);
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.keepAliveLaunches).toEqual([]);
    expect(rec.supervisor.running()).toEqual([]);
  });

  it('startRunAtLoad launches RunAtLoad and KeepAlive jobs only', async () => {
    const jobs = [
      jobFrom(dir, { ...node('com.test.atload', 'wait-forever.mjs'), RunAtLoad: true }),
      jobFrom(dir, { ...node('com.test.kept', 'wait-forever.mjs'), KeepAlive: true }),
      jobFrom(dir, { ...node('com.test.ondemand', 'wait-forever.mjs') }),
      jobFrom(dir, { ...node('com.test.crashonly', 'wait-forever.mjs'), KeepAlive: { Crashed: true } }),
    ];
    const started = await rec.supervisor.startRunAtLoad(jobs);
    expect(started.map((p) => p.job.label).sort()).toEqual(['com.test.atload', 'com.test.kept']);
    expect(started.every((p) => p.reason === 'run-at-load')).toBe(true);
    expect(rec.supervisor.running().map((p) => p.job.label).sort()).toEqual(['com.test.atload', 'com.test.kept']);
  });
});

describe('process groups and shutdown', () => {
  it('kills what a job left in its process group when its main process exits', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.leaver', 'with-grandchild.mjs', '--exit-soon')), { reason: 'on-demand' });
    const grandchild = Number((await rec.waitForLine(child.pid, /^grandchild (\d+)$/))[1]);
    strays.push(grandchild);
    await exitOf(child.pid);
    await waitUntilDead(grandchild);
  });

  it('stopAll leaves no process alive: children, grandchildren and those ignoring SIGTERM', async () => {
    const plain = await rec.supervisor.launch(jobFrom(dir, node('com.test.plain', 'wait-forever.mjs')), { reason: 'on-demand' });
    const stubborn = await rec.supervisor.launch(jobFrom(dir, node('com.test.stub', 'wait-forever.mjs', '--ignore-sigterm')), { reason: 'on-demand' });
    const parent = await rec.supervisor.launch(jobFrom(dir, node('com.test.parent', 'with-grandchild.mjs')), { reason: 'on-demand' });
    const grandchild = Number((await rec.waitForLine(parent.pid, /^grandchild (\d+)$/))[1]);
    await rec.waitForLine(stubborn.pid, /^ready/);
    const pids = [plain.pid, stubborn.pid, parent.pid, grandchild];
    strays.push(...pids);
    expect(pids.every(isAlive)).toBe(true);

    await rec.supervisor.stopAll(300);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(rec.exits.map((e) => e.reason)).toEqual(['terminated', 'terminated', 'terminated']);
    expect(rec.supervisor.running()).toEqual([]);
    await expect(rec.supervisor.launch(jobFrom(dir, node('com.test.late', 'wait-forever.mjs')), { reason: 'on-demand' })).rejects.toThrow(
      'the supervisor has been stopped',
    );
  });

  it('stopAll cancels a launch that is waiting out its ThrottleInterval', async () => {
    const job = jobFrom(dir, { ...node('com.test.waiting', 'print-and-exit.mjs'), ThrottleInterval: 30 });
    await exitOf((await rec.supervisor.launch(job, { reason: 'on-demand' })).pid);
    const waiting = rec.supervisor.launch(job, { reason: 'relaunch' });
    const start = performance.now();
    await rec.supervisor.stopAll(200);
    await expect(waiting).rejects.toThrow('the supervisor is stopping');
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe('boost priority bands', () => {
  const base = getPriority();

  it('runs an unboosted Adaptive job 5 nicer than the broker and boosts it back', async () => {
    const job = jobFrom(dir, { ...node('com.test.adaptive', 'wait-forever.mjs'), ProcessType: 'Adaptive' });
    const child = await rec.supervisor.launch(job, { reason: 'on-demand' });
    await rec.waitForLine(child.pid, /^ready/);
    expect(getPriority(child.pid)).toBe(base + UNBOOSTED_NICE_OFFSET);
    const boosted = rec.supervisor.setBoosted(child.pid, true);
    if (process.getuid?.() === 0) {
      expect(boosted).toEqual({ applied: true, nice: base });
      expect(getPriority(child.pid)).toBe(base);
    } else {
      // Raising priority needs privilege: reported, not thrown, and the process is left as it was.
      expect(boosted.applied).toBe(false);
      expect(boosted.applied === false && boosted.reason).toMatch(/^(EPERM|EACCES): not permitted/);
      expect(getPriority(child.pid)).toBe(base + UNBOOSTED_NICE_OFFSET);
    }
    expect(rec.supervisor.setBoosted(child.pid, false)).toEqual({ applied: true, nice: base + UNBOOSTED_NICE_OFFSET });
    expect(getPriority(child.pid)).toBe(base + UNBOOSTED_NICE_OFFSET);
  });

  it('starts a launch that is boosted at the normal priority', async () => {
    const job = jobFrom(dir, { ...node('com.test.boostlaunch', 'wait-forever.mjs'), ProcessType: 'Background' });
    const child = await rec.supervisor.launch(job, { reason: 'on-demand', boosted: true });
    expect(getPriority(child.pid)).toBe(base);
  });

  it('leaves Standard jobs at normal priority and says why a boost does not apply', async () => {
    const child = await rec.supervisor.launch(jobFrom(dir, node('com.test.standard', 'wait-forever.mjs')), { reason: 'on-demand' });
    expect(getPriority(child.pid)).toBe(base);
    expect(rec.supervisor.setBoosted(child.pid, true)).toEqual({
      applied: false,
      reason: 'com.test.standard has ProcessType Standard; only Adaptive and Background jobs change priority',
    });
    expect(rec.supervisor.setBoosted(999_999_999, true)).toEqual({ applied: false, reason: 'pid 999999999 is not a running job process' });
  });
});
