import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from './menu-template';

/** Every role anywhere in the template. */
function roles(items: readonly MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role !== undefined ? [item.role] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu as MenuItemConstructorOptions[]) : []),
  ]);
}

describe('the application menu', () => {
  it('offers Toggle Developer Tools only in a development build, never in a packaged app', () => {
    for (const isMac of [true, false]) {
      expect(roles(menuTemplate({ isMac, packaged: false, send: () => undefined }))).toContain('toggleDevTools');
      expect(roles(menuTemplate({ isMac, packaged: true, send: () => undefined }))).not.toContain('toggleDevTools');
    }
  });

  it('sends the inspector commands it lists to the window', () => {
    const sent: string[] = [];
    const template = menuTemplate({ isMac: false, packaged: true, send: (c) => sent.push(c) });
    const items = template.flatMap((m) => (Array.isArray(m.submenu) ? (m.submenu as MenuItemConstructorOptions[]) : []));
    for (const item of items) item.click?.(undefined as never, undefined, undefined as never);
    expect(sent.sort()).toEqual(['clear', 'focus-filter', 'open-capture', 'open-description', 'toggle-pause']);
  });
});
