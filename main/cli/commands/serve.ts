/**
 * `xpc-inspector serve`: browser mode. Runs the broker on a jobs directory (default: the demo
 * jobs) and serves the UI on 127.0.0.1; prints a one-time launch URL (good once, for one
 * browser, within --launch-ttl) and, on a terminal, a fresh one whenever Enter is pressed.
 */
import type { Command } from 'commander';
import { startBrowserMode, type BrowserMode } from '../../server/browser-mode';
import { DEFAULT_LAUNCH_TTL_MS } from '../../server/launch-secrets';
import { LOOPBACK_HOST } from '../../server/security';
import { openInDefaultBrowser } from '../launchers';

export interface ServeOptions {
  readonly jobs?: string;
  readonly port: string;
  readonly host: string;
  readonly socket?: string;
  readonly probeSocket?: string;
  readonly captures?: string;
  readonly launchTtl?: string;
  readonly open: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the broker and serve the inspector UI to a browser on 127.0.0.1 (session-protected)')
    .option('--jobs <dir>', 'directory of launchd job plists to run (default: the demo jobs)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '0')
    .option('--host <address>', `address to listen on; only ${LOOPBACK_HOST} is allowed`, LOOPBACK_HOST)
    .option('--socket <path>', "the broker's Unix socket (default: the per-user runtime directory); a missing directory is created 0700, an existing one must be yours and closed to others")
    .option('--probe-socket <path>', 'also accept native probes (native-probe/, macOS) on this Unix socket')
    .option('--captures <dir>', 'where the live capture is journaled and interrupted ones are found (default: the per-user captures directory); a missing directory is created 0700, an existing one must be yours and not writable by others')
    .option('--launch-ttl <seconds>', 'how long an unused one-time launch URL stays valid', String(DEFAULT_LAUNCH_TTL_MS / 1000))
    .option('--no-open', 'only print the URL, do not open a browser')
    .action(async (options: ServeOptions) => {
      const mode = await startServing(options);
      console.log(`XPC Inspector is serving ${mode.jobsDir}`);
      if (mode.broker.probeSocketPath !== undefined) console.log(`Native probes connect to ${mode.broker.probeSocketPath}`);
      const opened = options.open ? openInDefaultBrowser(mode.launchUrl()) : undefined;
      if (options.open && opened === undefined) console.log('(no browser opener found; open the URL yourself)');
      printLaunchUrl(mode);
      const stopOffering = offerFreshLaunchUrls(mode);
      await untilSignalled(mode);
      stopOffering();
      opened?.remove();
    });
}

/** Prints a fresh one-time launch URL, saying what it is good for. */
export function printLaunchUrl(mode: BrowserMode, lead = 'Open'): void {
  const url = mode.launchUrl();
  console.log(lead === '' ? url : `${lead} ${url}`);
  const more = process.stdin.isTTY ? '; press Enter here for another' : '';
  console.log(`(a one-time URL: it lets one browser in, once${more}; ${mode.origin} itself holds no secret)`);
}

/** On a terminal, each Enter prints a new launch URL (for another browser, or after one expired). */
export function offerFreshLaunchUrls(mode: BrowserMode): () => void {
  if (!process.stdin.isTTY) return () => undefined;
  // Cooked mode: Ctrl-C still signals the process.
  const onData = (): void => printLaunchUrl(mode);
  process.stdin.on('data', onData);
  return () => {
    process.stdin.off('data', onData);
    process.stdin.pause();
  };
}

export async function startServing(options: Omit<ServeOptions, 'open'>): Promise<BrowserMode> {
  const port = parsePort(options.port);
  if (options.host !== LOOPBACK_HOST) throw new Error(`--host ${options.host}: browser mode listens on ${LOOPBACK_HOST} only`);
  return startBrowserMode({
    jobsDir: options.jobs,
    socketPath: options.socket,
    ...(options.probeSocket !== undefined ? { probeSocketPath: options.probeSocket } : {}),
    capturesDir: options.captures,
    launchTtlMs: parseLaunchTtl(options.launchTtl),
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

function parseLaunchTtl(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > 86_400) throw new Error(`--launch-ttl ${text}: expected a whole number of seconds from 1 to 86400`);
  return seconds * 1000;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port > 65535) throw new Error(`--port ${text}: expected an integer from 0 to 65535`);
  return port;
}
