import { describe, expect, it } from 'vitest';
import type { Job } from './jobs/job';
import { ServiceRegistry } from './registry';

function job(label: string, kind: Job['kind'], machServices: string[]): Job {
  return {
    label,
    kind,
    machServices,
    program: '/bin/true',
    arguments: [],
    keepAlive: false,
    runAtLoad: false,
    throttleIntervalSec: 10,
    pressuredExit: kind === 'xpc-service',
    adaptive: false,
    file: `/jobs/${label}.plist`,
    argv0: 'true',
    environment: {},
    processType: 'Standard',
    keepAliveOn: false,
  };
}

const registry = new ServiceRegistry([
  job('com.a.agent', 'launch-agent', ['com.a.agent', 'com.a.agent.admin']),
  job('com.a.daemon', 'launch-daemon', ['com.a.daemon']),
  job('com.a.xpc', 'xpc-service', ['com.a.xpc']),
]);

describe('ServiceRegistry', () => {
  it('finds agents and XPC services without the privileged flag, under each of their MachServices', () => {
    expect(registry.lookup('com.a.agent.admin', false)).toMatchObject({ ok: true, job: { label: 'com.a.agent' } });
    expect(registry.lookup('com.a.xpc', false)).toMatchObject({ ok: true });
  });

  it('finds a daemon only with the privileged flag, and says so otherwise', () => {
    expect(registry.lookup('com.a.daemon', true)).toMatchObject({ ok: true });
    const r = registry.lookup('com.a.daemon', false);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/launch daemon com\.a\.daemon; daemons are looked up only with the privileged flag/);
  });

  it('refuses the privileged flag for an agent, naming what the name is', () => {
    const r = registry.lookup('com.a.agent', true);
    expect(!r.ok && r.reason).toMatch(/provided by a launch agent \(com\.a\.agent\); the privileged flag looks only for launch daemons/);
  });

  it('names an unknown service and lists what is registered', () => {
    const r = registry.lookup('com.a.nope', false);
    expect(!r.ok && r.reason).toBe('no service named "com.a.nope" is registered with the broker (registered: com.a.agent, com.a.agent.admin, com.a.daemon, com.a.xpc)');
  });
});
