/**
 * The Electron shell: hosts the broker and the bridge host in the main process and shows the
 * renderer in one locked-down window (context isolation, sandbox, no Node, strict CSP, no
 * navigation, no new windows, no permissions). Started by `xpc-inspector start` with
 * `--jobs DIR` optionally naming the launchd jobs to run (default: the demo jobs), `--probe-socket PATH`
 * where native probes connect.
 */
import { app, BrowserWindow, Menu, session, type WebContents } from 'electron';
import { IPC_MENU_CHANNEL, type MenuCommand } from '../../app/bridge/protocol';
import { Broker } from '../broker';
import { capturesDirectory } from '../capture/data-dir';
import { BridgeHost } from '../host/bridge-host';
import { journalLiveSession } from '../host/live-journal';
import { contentSecurityPolicy } from '../server/csp';
import { demoJobsDir, findPackageRoot, preloadBundle, rendererDir } from '../server/paths';
import { APP_INDEX_URL, registerAppScheme, serveAppScheme } from './app-protocol';
import { dialogFileAccess } from './file-dialogs';
import { registerBridgeIpc } from './ipc';
import { buildApplicationMenu } from './menu';

const root = findPackageRoot(__dirname);
const jobsDir = argumentValue(process.argv, '--jobs') ?? demoJobsDir(root);
const probeSocketPath = argumentValue(process.argv, '--probe-socket');

registerAppScheme();
app.setName('XPC Inspector');
app.enableSandbox();

let mainWindow: BrowserWindow | undefined;

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(start).catch(fatal);

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] } });
  });
  serveAppScheme(rendererDir(root));

  const broker = await Broker.start({ jobsDir, ...(probeSocketPath !== undefined ? { probeSocketPath } : {}) });
  const capturesDir = capturesDirectory();
  const journal = journalLiveSession(broker, { capturesDir, jobsDir, log: (line) => console.error(`xpc-inspector: ${line}`) });
  const host = new BridgeHost({
    broker,
    jobsDir,
    liveCapture: journal,
    capturesDir,
    fileAccess: dialogFileAccess(() => (mainWindow !== undefined && !mainWindow.isDestroyed() ? mainWindow : undefined)),
  });
  const ipc = registerBridgeIpc(host, (contents: WebContents) => mainWindow !== undefined && !mainWindow.isDestroyed() && contents === mainWindow.webContents);

  const sendMenuCommand = (command: MenuCommand): void => {
    if (mainWindow !== undefined && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_MENU_CHANNEL, command);
  };
  Menu.setApplicationMenu(buildApplicationMenu(sendMenuCommand, app.isPackaged));

  mainWindow = createWindow();
  app.on('activate', () => {
    if (mainWindow === undefined || mainWindow.isDestroyed()) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => app.quit());

  let stopped = false;
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    stopped = true;
    ipc.dispose();
    host.close();
    broker
      .stop()
      .then(() => journal.close())
      .finally(() => app.quit());
  });
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: 'XPC Inspector',
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    show: false,
    webPreferences: {
      preload: preloadBundle(root),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // A packaged app opens no developer tools (no menu item, no shortcut, no API call).
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_INDEX_URL);
  return window;
}

/** `--name value` or `--name=value` from argv. */
function argumentValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === name) return argv[i + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

function fatal(error: unknown): void {
  console.error(`xpc-inspector: ${error instanceof Error ? error.message : String(error)}`);
  app.exit(1);
}
