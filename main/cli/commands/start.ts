/**
 * `xpc-inspector start`: the desktop app. Runs the Electron shell when the Electron binary is
 * installed; otherwise falls back to browser mode, opened in Chromium's app mode when Chromium
 * is installed, else with the URL printed. It says which of these happened.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { electronMainBundle, findPackageRoot } from '../../server/paths';
import { ENV_BROWSER, findChromium, findElectronBinary, launchChromiumApp } from '../launchers';
import { offerFreshLaunchUrls, printLaunchUrl, startServing, untilSignalled } from './serve';

interface StartOptions {
  readonly jobs?: string;
  readonly socket?: string;
  readonly probeSocket?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('open the inspector: the Electron app, or browser mode when Electron is not installed')
    .option('--jobs <dir>', 'directory of launchd job plists to run (default: the demo jobs)')
    .option('--socket <path>', "the broker's Unix socket, in browser mode (default: the per-user runtime directory); a missing directory is created 0700, an existing one must be yours and closed to others")
    .option('--probe-socket <path>', 'also accept native probes (native-probe/, macOS) on this Unix socket')
    .addHelpText('after', `\nIn browser mode the UI opens in Chromium's app mode; set ${ENV_BROWSER} to another browser executable, or to none to only print the URL.`)
    .action(async (options: StartOptions) => {
      const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
      const electron = findElectronBinary(root);
      if ('path' in electron) {
        await runElectron(electron.path, electronMainBundle(root), options);
        return;
      }
      console.log(`Electron is not available: ${electron.reason}.`);
      await runBrowserMode(options);
    });
}

async function runElectron(binary: string, bundle: string, options: StartOptions): Promise<void> {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing; run \`npm run build\` first`);
  console.log(`Starting the Electron app (${binary}).`);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const args = [bundle, ...(options.jobs ? ['--jobs', options.jobs] : []), ...(options.probeSocket ? ['--probe-socket', options.probeSocket] : [])];
  const child = spawn(binary, args, { stdio: 'inherit', env });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot run ${binary}: ${error.message}`)));
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  process.exitCode = code;
}

async function runBrowserMode(options: StartOptions): Promise<void> {
  const mode = await startServing({ jobs: options.jobs, socket: options.socket, probeSocket: options.probeSocket, port: '0', host: '127.0.0.1' });
  if (mode.broker.probeSocketPath !== undefined) console.log(`Native probes connect to ${mode.broker.probeSocketPath}`);
  const chromium = findChromium();
  if (chromium === undefined) {
    const chosen = process.env[ENV_BROWSER];
    const why = chosen === 'none' ? `${ENV_BROWSER}=none` : chosen ? `${ENV_BROWSER}=${chosen} is not an executable` : 'no Chromium found';
    console.log(`Falling back to browser mode; ${why}, so open this URL in a browser:`);
    printLaunchUrl(mode, '');
    const stopOffering = offerFreshLaunchUrls(mode);
    await untilSignalled(mode);
    stopOffering();
    return;
  }
  console.log(`Falling back to browser mode in Chromium's app mode (${chromium}).`);
  // The window gets its own launch secret through a private file, never on its command line.
  const window = launchChromiumApp(chromium, mode.launchUrl());
  console.log(`The same UI is at ${mode.origin}${process.stdin.isTTY ? '; press Enter here for a one-time URL for another browser' : ''}`);
  const stopOffering = offerFreshLaunchUrls(mode);
  const signalled = untilSignalled(mode).then(() => ({ kind: 'signalled' as const }));
  const windowDone = new Promise<{ kind: 'closed' | 'failed'; text: string }>((resolve) => {
    window.on('error', (error) => resolve({ kind: 'failed', text: `Chromium could not start (${error.message})` }));
    window.on('exit', (code) => resolve(code === 0 ? { kind: 'closed', text: 'the window was closed' } : { kind: 'failed', text: `Chromium exited with code ${code}` }));
  });
  const outcome = await Promise.race([signalled, windowDone]);
  if (outcome.kind === 'signalled') {
    stopOffering();
    window.kill();
    return;
  }
  if (outcome.kind === 'failed') {
    console.log(`${outcome.text}; still serving at ${mode.origin} (Ctrl-C stops)`);
    printLaunchUrl(mode);
    await signalled;
    stopOffering();
    return;
  }
  stopOffering();
  console.log(`${outcome.text}; stopping.`);
  await mode.close();
}
