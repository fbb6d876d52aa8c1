/**
 * The services the composer offers: every MachServices name of every job the broker knows,
 * with its kind. Launch daemons are reached only with the privileged lookup flag, so picking a
 * daemon's service turns it on (and any other service turns it off).
 */
import type { JobSummary, ServiceKind } from '../../../app/events/schema';

export interface ServiceOption {
  readonly name: string;
  readonly job: string;
  readonly kind: ServiceKind;
  readonly privileged: boolean;
}

export const KIND_LABELS: Readonly<Record<ServiceKind, string>> = {
  'launch-agent': 'agent',
  'launch-daemon': 'daemon',
  'xpc-service': 'XPC service',
};

export function serviceOptions(jobs: readonly JobSummary[]): ServiceOption[] {
  const options: ServiceOption[] = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    const names = job.machServices.length > 0 ? job.machServices : [job.label];
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      options.push({ name, job: job.label, kind: job.kind, privileged: job.kind === 'launch-daemon' });
    }
  }
  return options.sort((a, b) => a.name.localeCompare(b.name));
}

/** The options whose name contains the typed text (all of them for empty text). */
export function matchingServices(options: readonly ServiceOption[], typed: string): ServiceOption[] {
  const needle = typed.trim().toLowerCase();
  if (needle === '') return [...options];
  return options.filter((o) => o.name.toLowerCase().includes(needle) || o.job.toLowerCase().includes(needle));
}

/** Whether a lookup of `service` needs the privileged flag; undefined for a name no job registers. */
export function privilegedFor(service: string, jobs: readonly JobSummary[]): boolean | undefined {
  return serviceOptions(jobs).find((o) => o.name === service)?.privileged;
}
