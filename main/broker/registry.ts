/**
 * Which job answers to which service name, and the lookup rules of the bootstrap namespace:
 * launch daemons are found only with the PRIVILEGED flag, agents and XPC services only without.
 */
import type { Job } from './jobs/job';

export type ServiceLookup = { readonly ok: true; readonly job: Job } | { readonly ok: false; readonly reason: string };

const KIND_TEXT = { 'launch-agent': 'a launch agent', 'launch-daemon': 'a launch daemon', 'xpc-service': 'an XPC service' } as const;

export class ServiceRegistry {
  private readonly byService = new Map<string, Job>();
  private readonly byLabel = new Map<string, Job>();

  constructor(readonly jobs: readonly Job[]) {
    for (const job of jobs) {
      this.byLabel.set(job.label, job);
      // The jobs loader refuses duplicate claims; should two jobs still share a name, the first keeps it.
      for (const name of job.machServices) if (!this.byService.has(name)) this.byService.set(name, job);
    }
  }

  job(label: string): Job | undefined {
    return this.byLabel.get(label);
  }

  lookup(service: string, privileged: boolean): ServiceLookup {
    const job = this.byService.get(service);
    if (job === undefined) {
      const known = [...this.byService.keys()];
      const hint = known.length === 0 ? 'no services are registered' : `registered: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}`;
      return { ok: false, reason: `no service named "${service}" is registered with the broker (${hint})` };
    }
    if (job.kind === 'launch-daemon' && !privileged) {
      return {
        ok: false,
        reason: `"${service}" is provided by launch daemon ${job.label}; daemons are looked up only with the privileged flag (XPC_CONNECTION_MACH_SERVICE_PRIVILEGED)`,
      };
    }
    if (job.kind !== 'launch-daemon' && privileged) {
      return {
        ok: false,
        reason: `"${service}" is provided by ${KIND_TEXT[job.kind]} (${job.label}); the privileged flag looks only for launch daemons`,
      };
    }
    return { ok: true, job };
  }
}
