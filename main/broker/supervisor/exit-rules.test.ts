import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyExit, describeLaunchError } from './exit-description';
import { keepAliveWantsRelaunch, startsAtLoad } from './keep-alive';
import { LaunchThrottle } from './launch-throttle';
import { jobFrom } from './test-support';

const dir = mkdtempSync(join(tmpdir(), 'xpc-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('classifyExit', () => {
  it('calls status 0 an exit and a signal or non-zero status a crash', () => {
    expect(classifyExit(0, null, undefined)).toEqual({ reason: 'exited', description: 'exited with code 0' });
    expect(classifyExit(3, null, undefined)).toEqual({ reason: 'crashed', description: 'exited with code 3' });
    expect(classifyExit(null, 'SIGKILL', undefined)).toEqual({ reason: 'crashed', description: 'killed by SIGKILL' });
  });

  it('keeps an expected reason and says what actually happened', () => {
    expect(classifyExit(null, 'SIGTERM', 'idle-exit')).toEqual({ reason: 'idle-exit', description: 'idle exit: killed by SIGTERM' });
    expect(classifyExit(0, null, 'client-exited')).toEqual({ reason: 'client-exited', description: 'client exited: exited with code 0' });
    expect(classifyExit(1, null, 'terminated')).toEqual({ reason: 'terminated', description: 'terminated: exited with code 1' });
  });
});

describe('describeLaunchError', () => {
  const errno = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('names the errno and the path', () => {
    expect(describeLaunchError(errno('ENOENT', 'spawn /x/y ENOENT'), '/x/y')).toBe('ENOENT: no such file /x/y');
    expect(describeLaunchError(errno('ENOENT', 'spawn foo ENOENT'), 'foo')).toBe('ENOENT: no such file foo (searched PATH)');
    expect(describeLaunchError(errno('EACCES', 'spawn /etc/passwd EACCES'), '/etc/passwd')).toBe('EACCES: permission denied /etc/passwd');
    expect(describeLaunchError(errno('E2BIG', 'spawn E2BIG'), '/bin/x')).toBe('E2BIG: spawn E2BIG');
    expect(describeLaunchError(new Error('odd'), '/bin/x')).toBe('odd (/bin/x)');
  });
});

describe('KeepAlive decisions', () => {
  const job = (keepAlive: boolean | { SuccessfulExit?: boolean; Crashed?: boolean }) =>
    jobFrom(dir, { Label: 'k', Program: '/bin/true', KeepAlive: keepAlive });

  it('KeepAlive true relaunches after any end, false after none', () => {
    for (const [code, signal] of [[0, null], [1, null], [null, 'SIGKILL']] as const) {
      expect(keepAliveWantsRelaunch(job(true), code, signal)).toBe(true);
      expect(keepAliveWantsRelaunch(job(false), code, signal)).toBe(false);
    }
  });

  it('SuccessfulExit true relaunches after status 0 only; false after anything else', () => {
    expect(keepAliveWantsRelaunch(job({ SuccessfulExit: true }), 0, null)).toBe(true);
    expect(keepAliveWantsRelaunch(job({ SuccessfulExit: true }), 1, null)).toBe(false);
    expect(keepAliveWantsRelaunch(job({ SuccessfulExit: false }), 0, null)).toBe(false);
    expect(keepAliveWantsRelaunch(job({ SuccessfulExit: false }), 1, null)).toBe(true);
    expect(keepAliveWantsRelaunch(job({ SuccessfulExit: false }), null, 'SIGTERM')).toBe(true);
  });

  it('Crashed true relaunches after a crash signal only; false after anything else', () => {
    expect(keepAliveWantsRelaunch(job({ Crashed: true }), null, 'SIGSEGV')).toBe(true);
    expect(keepAliveWantsRelaunch(job({ Crashed: true }), null, 'SIGABRT')).toBe(true);
    expect(keepAliveWantsRelaunch(job({ Crashed: true }), null, 'SIGKILL')).toBe(false);
    expect(keepAliveWantsRelaunch(job({ Crashed: true }), 1, null)).toBe(false);
    expect(keepAliveWantsRelaunch(job({ Crashed: false }), 1, null)).toBe(true);
    expect(keepAliveWantsRelaunch(job({ Crashed: false }), null, 'SIGBUS')).toBe(false);
  });

  it('relaunches when either condition holds', () => {
    const both = job({ SuccessfulExit: true, Crashed: true });
    expect(keepAliveWantsRelaunch(both, 0, null)).toBe(true);
    expect(keepAliveWantsRelaunch(both, null, 'SIGSEGV')).toBe(true);
    expect(keepAliveWantsRelaunch(both, 2, null)).toBe(false);
  });

  it('starts at load for RunAtLoad, KeepAlive true and SuccessfulExit, never for XPC services', () => {
    expect(startsAtLoad(jobFrom(dir, { Label: 'r', Program: '/bin/true', RunAtLoad: true }))).toBe(true);
    expect(startsAtLoad(job(true))).toBe(true);
    expect(startsAtLoad(job({ SuccessfulExit: false }))).toBe(true);
    expect(startsAtLoad(job({ Crashed: true }))).toBe(false);
    expect(startsAtLoad(job(false))).toBe(false);
    expect(startsAtLoad(jobFrom(dir, { Label: 'x', Program: '/bin/true', RunAtLoad: true }, 'xpc-service'))).toBe(false);
  });
});

describe('LaunchThrottle', () => {
  it('delays a key until its interval after the previous launch has passed', () => {
    const t = new LaunchThrottle();
    expect(t.delayMs('a', 100)).toBe(0);
    t.recordLaunch('a', 100, 10);
    expect(t.delayMs('a', 100)).toBe(10_000);
    expect(t.delayMs('a', 4_100)).toBe(6_000);
    expect(t.delayMs('a', 10_100)).toBe(0);
    expect(t.delayMs('b', 4_100)).toBe(0);
  });

  it('keeps no entry around once its interval has passed', () => {
    const t = new LaunchThrottle();
    t.recordLaunch('client-1', 0, 1);
    t.recordLaunch('client-2', 5_000, 1);
    // Asked about its old launch time, client-1 shows no delay: its entry is gone.
    expect(t.delayMs('client-1', 0)).toBe(0);
    expect(t.delayMs('client-2', 5_500)).toBe(500);
  });
});
