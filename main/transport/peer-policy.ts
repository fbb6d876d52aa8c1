/**
 * Which peers a socket end will talk to: the same user only, because the broker routes
 * messages between that user's processes. Root may be let in by choice; it can read any
 * user's memory anyway.
 */
import type { PeerCredentials } from './peer-credentials';

export interface PeerUidPolicy {
  /** The uid peers must have: ours. */
  readonly ownUid: number;
  /** Also accept peers running as root (uid 0). */
  readonly allowRoot: boolean;
}

/** Undefined when the peer is acceptable, otherwise the reason it is refused. */
export function peerUidRefusal(peer: PeerCredentials, policy: PeerUidPolicy): string | undefined {
  if (peer.uid === policy.ownUid) return undefined;
  if (peer.uid === 0 && policy.allowRoot) return undefined;
  return `peer pid ${peer.pid} runs as uid ${peer.uid}, not as our uid ${policy.ownUid}${peer.uid === 0 ? ' (root peers are not allowed)' : ''}`;
}
