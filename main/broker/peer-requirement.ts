/**
 * The peer requirement a listener may set (the code-signing requirement analogue): the
 * client must run as a given uid, from a given executable path, and/or from an executable
 * with a given sha256. Checked against the kernel's view of the client only.
 */
import type { PeerRequirement } from '../../app/events/schema';
import type { ExecutableHasher, ExecutableLookup } from './peer-identity';

export interface ClientIdentity {
  readonly pid: number;
  readonly uid: number;
  /** Looked up when the client said hello, so a recycled pid cannot change the answer. */
  readonly executable: ExecutableLookup;
}

export type RequirementVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function isEmptyRequirement(r: PeerRequirement): boolean {
  return r.uid === undefined && r.executablePath === undefined && r.executableSha256 === undefined;
}

/** Checks every condition and names the first one that fails. */
export async function checkPeerRequirement(requirement: PeerRequirement, client: ClientIdentity, hasher: ExecutableHasher): Promise<RequirementVerdict> {
  const who = `client pid ${client.pid}`;
  if (requirement.uid !== undefined && client.uid !== requirement.uid) {
    return { ok: false, reason: `${who} runs as uid ${client.uid}, the listener requires uid ${requirement.uid}` };
  }
  if (requirement.executablePath === undefined && requirement.executableSha256 === undefined) return { ok: true };
  if (!client.executable.ok) return { ok: false, reason: `${who}: its executable cannot be verified: ${client.executable.reason}` };
  const path = client.executable.path;
  if (requirement.executablePath !== undefined && path !== requirement.executablePath) {
    return { ok: false, reason: `${who} runs ${path}, the listener requires ${requirement.executablePath}` };
  }
  if (requirement.executableSha256 !== undefined) {
    let digest: string;
    try {
      digest = await hasher.sha256(path);
    } catch (error) {
      return { ok: false, reason: `${who}: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (digest !== requirement.executableSha256.toLowerCase()) {
      return { ok: false, reason: `${who} runs ${path} with sha256 ${digest}, the listener requires sha256 ${requirement.executableSha256.toLowerCase()}` };
    }
  }
  return { ok: true };
}
