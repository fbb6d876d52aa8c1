/**
 * Browser mode as one unit: a broker on a jobs directory, the bridge host on top of it and the
 * HTTP/WebSocket server in front. Used by `xpc-inspector serve`, by `start` when there is no
 * Electron binary, and by the end-to-end tests.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../broker';
import { capturesDirectory } from '../capture/data-dir';
import { BridgeHost } from '../host/bridge-host';
import { removeStaleScratchDirectories } from '../host/stale-scratch';
import { journalLiveSession, type LiveJournal } from '../host/live-journal';
import type { EventStreamOptions } from '../host/event-stream';
import { startInspectorServer, type InspectorServer } from './inspector-server';
import { demoJobsDir, findPackageRoot, rendererDir } from './paths';

export interface BrowserModeOptions {
  /** launchd job plists to run; default: the demo jobs of the package. */
  readonly jobsDir?: string;
  /** The broker's socket; default: the broker's per-user default. */
  readonly socketPath?: string;
  /** Also accept native probes (native-probe/) on this socket. */
  readonly probeSocketPath?: string;
  readonly port?: number;
  readonly hostname?: string;
  /** The package root (default: found from this file). */
  readonly root?: string;
  /** The built renderer to serve (default: out/renderer of the package). */
  readonly rendererDir?: string;
  readonly stream?: EventStreamOptions;
  /** Where the live session is journaled and interrupted journals are found (default: the per-user captures directory). */
  readonly capturesDir?: string;
  /** How long an unused launch URL stays valid (default 5 minutes). */
  readonly launchTtlMs?: number;
  readonly log?: (line: string) => void;
}

export interface BrowserMode {
  /** http://127.0.0.1:PORT/ — holds no secret. */
  readonly origin: string;
  /** A fresh one-time launch URL for one browser (see InspectorServer.launchUrl). */
  launchUrl(): string;
  readonly port: number;
  readonly jobsDir: string;
  readonly broker: Broker;
  readonly host: BridgeHost;
  readonly server: InspectorServer;
  /** Stops serving, then stops the broker and its services. */
  close(): Promise<void>;
}

export async function startBrowserMode(options: BrowserModeOptions = {}): Promise<BrowserMode> {
  const root = options.root ?? findPackageRoot(here());
  const jobsDir = options.jobsDir ?? demoJobsDir(root);
  const broker = await Broker.start({ jobsDir, socketPath: options.socketPath, ...(options.probeSocketPath !== undefined ? { probeSocketPath: options.probeSocketPath } : {}) });
  const log = options.log ?? ((line: string) => console.warn(`xpc-inspector serve: ${line}`));
  const capturesDir = options.capturesDir ?? capturesDirectory();
  for (const dir of removeStaleScratchDirectories()) log(`removed ${dir}, left by a run that did not stop cleanly`);
  let host: BridgeHost | undefined;
  let journal: LiveJournal | undefined;
  try {
    journal = journalLiveSession(broker, { capturesDir, jobsDir, log });
    host = new BridgeHost({ broker, jobsDir, liveCapture: journal, capturesDir, ...options.stream });
    const server = await startInspectorServer({ host, rendererDir: options.rendererDir ?? rendererDir(root), port: options.port, hostname: options.hostname, launchTtlMs: options.launchTtlMs, log: options.log });
    const started = host;
    const liveJournal = journal;
    let closing: Promise<void> | undefined;
    return {
      origin: server.origin,
      launchUrl: () => server.launchUrl(),
      port: server.port,
      jobsDir,
      broker,
      host: started,
      server,
      close: () =>
        (closing ??= (async () => {
          await server.close();
          started.close();
          await broker.stop();
          await liveJournal.close();
        })()),
    };
  } catch (error) {
    host?.close();
    await broker.stop();
    await journal?.close();
    throw error;
  }
}

/** This module's directory, from the ESM bundle, from source, or from a CommonJS bundle. */
function here(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}
