import { describe, expect, it } from 'vitest';
import { peerUidRefusal } from './peer-policy';

const peer = (uid: number) => ({ pid: 4242, uid, gid: uid });

describe('peerUidRefusal', () => {
  it('accepts a peer of our own uid', () => {
    expect(peerUidRefusal(peer(501), { ownUid: 501, allowRoot: false })).toBeUndefined();
  });

  it('refuses a peer of another uid, naming its pid and both uids', () => {
    expect(peerUidRefusal(peer(502), { ownUid: 501, allowRoot: true })).toBe('peer pid 4242 runs as uid 502, not as our uid 501');
  });

  it('refuses a root peer unless root is allowed', () => {
    expect(peerUidRefusal(peer(0), { ownUid: 501, allowRoot: false })).toMatch(/runs as uid 0, not as our uid 501 \(root peers are not allowed\)/);
    expect(peerUidRefusal(peer(0), { ownUid: 501, allowRoot: true })).toBeUndefined();
  });

  it('accepts root peers when we are root ourselves', () => {
    expect(peerUidRefusal(peer(0), { ownUid: 0, allowRoot: false })).toBeUndefined();
  });
});
