/**
 * Puts the theme choice on the document as the appearance the styles know, light or dark: the
 * system choice resolves to the OS appearance and follows it when it changes.
 */
import type { ThemeChoice } from './ui-store';

const systemDark = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined;
let choice: ThemeChoice = 'system';

function apply(): void {
  document.documentElement.dataset.theme = choice === 'system' ? (systemDark?.matches ? 'dark' : 'light') : choice;
}

systemDark?.addEventListener('change', apply);

export function applyTheme(next: ThemeChoice): void {
  choice = next;
  apply();
}
