/**
 * The application menu's template, macOS style (app menu first). Inspector commands are carried
 * out by the renderer, which owns the view state; the menu only tells the window which one was
 * chosen. Only commands that work are listed. Kept apart from Menu so it can be checked without
 * Electron's binary (the type import is erased).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../app/bridge/protocol';

export interface MenuOptions {
  readonly isMac: boolean;
  /** A packaged app offers no developer tools (its window refuses them too). */
  readonly packaged: boolean;
  readonly send: (command: MenuCommand) => void;
}

export function menuTemplate({ isMac, packaged, send }: MenuOptions): MenuItemConstructorOptions[] {
  const command = (label: string, accelerator: string, name: MenuCommand): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send(name),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            label: 'XPC Inspector',
            submenu: [
              { role: 'about' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: 'File',
      submenu: [
        command('Open Capture…', 'CmdOrCtrl+O', 'open-capture'),
        command('Import Description Text…', 'CmdOrCtrl+Shift+O', 'open-description'),
        ...(isMac ? [] : [{ type: 'separator' } satisfies MenuItemConstructorOptions, { role: 'quit' } satisfies MenuItemConstructorOptions]),
      ],
    },
    {
      label: 'Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: 'Capture',
      submenu: [
        command('Clear', 'CmdOrCtrl+K', 'clear'),
        command('Pause / Resume', 'CmdOrCtrl+P', 'toggle-pause'),
        { type: 'separator' },
        command('Filter…', 'CmdOrCtrl+F', 'focus-filter'),
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(packaged ? [] : [{ role: 'toggleDevTools' } satisfies MenuItemConstructorOptions]),
      ],
    },
    { role: 'windowMenu' },
  ];
  return template;
}
