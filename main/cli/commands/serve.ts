/**
 * `xpc-inspector serve`: browser mode. Runs the broker on a jobs directory (default: the demo
 * jobs) and serves the UI on 127.0.0.1 with a random token; prints the URL to open.
 */
import type { Command } from 'commander';
import { startBrowserMode, type BrowserMode } from '../../server/browser-mode';
import { LOOPBACK_HOST } from '../../server/security';
import { openInDefaultBrowser } from '../launchers';

export interface ServeOptions {
  readonly jobs?: string;
  readonly port: string;
  readonly host: string;
  readonly socket?: string;
  readonly probeSocket?: string;
  readonly captures?: string;
  readonly open: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the broker and serve the inspector UI to a browser on 127.0.0.1 (token-protected)')
    .option('--jobs <dir>', 'directory of launchd job plists to run (default: the demo jobs)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '0')
    .option('--host <address>', `address to listen on; only ${LOOPBACK_HOST} is allowed`, LOOPBACK_HOST)
    .option('--socket <path>', "the broker's Unix socket (default: the per-user runtime directory)")
    .option('--probe-socket <path>', 'also accept native probes (native-probe/, macOS) on this Unix socket')
    .option('--captures <dir>', 'where the live capture is journaled and interrupted ones are found (default: the per-user captures directory)')
    .option('--no-open', 'only print the URL, do not open a browser')
    .action(async (options: ServeOptions) => {
      const mode = await startServing(options);
      console.log(`XPC Inspector is serving ${mode.jobsDir}`);
      if (mode.broker.probeSocketPath !== undefined) console.log(`Native probes connect to ${mode.broker.probeSocketPath}`);
      console.log(`Open ${mode.url}`);
      if (options.open && !openInDefaultBrowser(mode.url)) console.log('(no browser opener found; open the URL yourself)');
      await untilSignalled(mode);
    });
}

export async function startServing(options: Omit<ServeOptions, 'open'>): Promise<BrowserMode> {
  const port = parsePort(options.port);
  if (options.host !== LOOPBACK_HOST) throw new Error(`--host ${options.host}: browser mode listens on ${LOOPBACK_HOST} only`);
  return startBrowserMode({
    jobsDir: options.jobs,
    socketPath: options.socket,
    ...(options.probeSocket !== undefined ? { probeSocketPath: options.probeSocket } : {}),
    capturesDir: options.captures,
    port,
    hostname: options.host,
  });
}

/** Keeps serving until SIGINT/SIGTERM, then stops the server, the broker and its services. */
export function untilSignalled(mode: BrowserMode): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`\n${signal}: stopping`);
      mode.close().then(resolve, (error: unknown) => {
        console.error(`xpc-inspector: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port > 65535) throw new Error(`--port ${text}: expected an integer from 0 to 65535`);
  return port;
}
