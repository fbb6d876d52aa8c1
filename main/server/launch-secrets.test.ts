import { describe, expect, it } from 'vitest';
import { LaunchSecrets, MAX_PENDING_LAUNCH_SECRETS } from './launch-secrets';

describe('launch secrets', () => {
  it('are good once', () => {
    const secrets = new LaunchSecrets();
    const secret = secrets.mint();
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(secrets.redeem(secret)).toBe(true);
    expect(secrets.redeem(secret)).toBe(false);
  });

  it('expire after their lifetime even if never used', () => {
    let now = 1_000;
    const secrets = new LaunchSecrets(60_000, () => now);
    const secret = secrets.mint();
    now += 60_000;
    expect(secrets.redeem(secret)).toBe(false);
    const fresh = secrets.mint();
    now += 59_999;
    expect(secrets.redeem(fresh)).toBe(true);
  });

  it('refuse made-up, empty and near-miss secrets', () => {
    const secrets = new LaunchSecrets();
    const secret = secrets.mint();
    for (const wrong of [null, '', 'made-up', secret.slice(1), `${secret}x`]) expect(secrets.redeem(wrong)).toBe(false);
    expect(secrets.redeem(secret)).toBe(true);
  });

  it('keep only the newest few waiting, so minting cannot grow memory', () => {
    const secrets = new LaunchSecrets();
    const first = secrets.mint();
    const rest = Array.from({ length: MAX_PENDING_LAUNCH_SECRETS }, () => secrets.mint());
    expect(secrets.redeem(first)).toBe(false);
    expect(rest.every((secret) => secrets.redeem(secret))).toBe(true);
  });

  it('refuse a lifetime that is not positive', () => {
    expect(() => new LaunchSecrets(0)).toThrow(/positive number of milliseconds/);
  });
});
