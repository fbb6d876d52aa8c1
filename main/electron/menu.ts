/** The application menu (its items: menu-template.ts). */
import { Menu } from 'electron';
import type { MenuCommand } from '../../app/bridge/protocol';
import { menuTemplate } from './menu-template';

/** `packaged`: a built app (app.isPackaged), which offers no developer tools. */
export function buildApplicationMenu(send: (command: MenuCommand) => void, packaged: boolean): Menu {
  return Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', packaged, send }));
}
