import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../../app/events/schema';
import { printXpcJson } from '../../../app/xpc/json';
import { xpc } from '../../../app/xpc/value';
import { modeFor, resendDraft } from './resend';
import { matchingServices, privilegedFor, serviceOptions } from './services';

function job(label: string, kind: JobSummary['kind'], machServices: readonly string[]): JobSummary {
  return { label, kind, machServices, program: 'node', arguments: [], keepAlive: false, runAtLoad: false, throttleIntervalSec: 10, pressuredExit: false, adaptive: false, file: `/jobs/${label}.plist` };
}

const jobs = [
  job('com.example.echo', 'launch-agent', ['com.example.echo', 'com.example.echo.alt']),
  job('com.example.clockd', 'launch-daemon', ['com.example.clockd']),
  job('com.example.thumbnailer', 'xpc-service', []),
];

describe('serviceOptions', () => {
  it('lists every MachServices name sorted, daemons marked privileged, a job without names under its label', () => {
    expect(serviceOptions(jobs).map((o) => [o.name, o.kind, o.privileged])).toEqual([
      ['com.example.clockd', 'launch-daemon', true],
      ['com.example.echo', 'launch-agent', false],
      ['com.example.echo.alt', 'launch-agent', false],
      ['com.example.thumbnailer', 'xpc-service', false],
    ]);
  });

  it('matches typed text anywhere in the name, case-insensitively', () => {
    expect(matchingServices(serviceOptions(jobs), 'ECHO').map((o) => o.name)).toEqual(['com.example.echo', 'com.example.echo.alt']);
    expect(matchingServices(serviceOptions(jobs), '  ')).toHaveLength(4);
  });

  it('knows which names need the privileged lookup and which are not registered', () => {
    expect(privilegedFor('com.example.clockd', jobs)).toBe(true);
    expect(privilegedFor('com.example.echo', jobs)).toBe(false);
    expect(privilegedFor('com.example.nobody', jobs)).toBeUndefined();
  });
});

describe('resendDraft', () => {
  it('derives the mode from whether the message expected a reply and was sync', () => {
    expect(modeFor(false, false)).toBe('send');
    expect(modeFor(true, false)).toBe('send-with-reply');
    expect(modeFor(true, true)).toBe('sync');
  });

  it('prefills service, privileged flag, mode and the payload as canonical XPC-JSON', () => {
    const payload = xpc.dictionary({ op: xpc.string('now'), n: xpc.uint64(3) });
    expect(resendDraft({ service: 'com.example.clockd', expectsReply: true, sync: true, payload }, 'background', jobs)).toEqual({
      service: 'com.example.clockd',
      privileged: true,
      mode: 'sync',
      processType: 'background',
      payload: printXpcJson(payload),
    });
  });
});
