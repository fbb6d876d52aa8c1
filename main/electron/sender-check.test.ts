import { describe, expect, it } from 'vitest';
import { senderRefusal } from './sender-check';

const ORIGIN = 'app://inspector';
const trusted = { isInspectorWindow: true, isMainFrame: true, url: 'app://inspector/index.html' };

describe('IPC sender check', () => {
  it('trusts the inspector window’s main frame showing the bundled renderer', () => {
    expect(senderRefusal(trusted, ORIGIN)).toBeUndefined();
    expect(senderRefusal({ ...trusted, url: 'app://inspector/index.html#timeline' }, ORIGIN)).toBeUndefined();
  });

  it('refuses another window, an iframe, a navigated page and a look-alike origin', () => {
    expect(senderRefusal({ ...trusted, isInspectorWindow: false }, ORIGIN)).toBe('the sender is not the inspector window');
    expect(senderRefusal({ ...trusted, isMainFrame: false }, ORIGIN)).toBe('the sender is not the main frame of the inspector window');
    expect(senderRefusal({ ...trusted, url: 'https://example.com/' }, ORIGIN)).toBe('the sender shows "https://example.com/", not app://inspector');
    expect(senderRefusal({ ...trusted, url: 'file:///work/main/out/renderer/index.html' }, ORIGIN)).toMatch(/not app:\/\/inspector/);
    expect(senderRefusal({ ...trusted, url: 'app://inspector.evil/index.html' }, ORIGIN)).toMatch(/not app:\/\/inspector/);
    expect(senderRefusal({ ...trusted, url: undefined }, ORIGIN)).toMatch(/cannot be parsed/);
  });
});
