/**
 * `xpc-inspector broker --jobs DIR [--socket PATH] [--probe-socket PATH] [--capture FILE]`: the broker without a UI.
 * Every event it observes is written in the capture format — header first — to FILE through the
 * crash-safe journal, or to stdout. Status goes to stderr. SIGINT/SIGTERM stop the broker and its
 * services, then close the capture with its end line.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { createCaptureHeader, type CaptureSource } from '../../../app/capture/format';
import type { InspectorEvent } from '../../../app/events/schema';
import { Broker } from '../../broker';
import { CaptureJournal } from '../../capture/journal';
import { CaptureStreamWriter } from '../../capture/stream-writer';

interface BrokerCliOptions {
  readonly jobs: string;
  readonly socket?: string;
  readonly capture?: string;
  readonly probeSocket?: string;
}

interface CaptureSink {
  append(events: readonly InspectorEvent[]): void;
  close(): Promise<void>;
}

export function registerBroker(program: Command): void {
  program
    .command('broker')
    .description('run the broker without a UI and write every event as a capture (NDJSON) to a file or stdout')
    .requiredOption('--jobs <dir>', 'directory of launchd job plists to run')
    .option('--socket <path>', "the broker's Unix socket (default: the per-user runtime directory); a missing directory is created 0700, an existing one must be yours and closed to others")
    .option('--capture <file>', 'write the capture to this new file (crash-safe journal); - or none: stdout')
    .option('--probe-socket <path>', 'also accept native probes (native-probe/, macOS) on this Unix socket')
    .action(async (options: BrokerCliOptions) => {
      await checkJobsDirectory(options.jobs);
      const startedAtWallMs = Date.now();
      // Events are held until the sink exists, so the first events of the start are kept too.
      const early: InspectorEvent[] = [];
      let sink: CaptureSink | undefined;
      const broker = await Broker.start({
        jobsDir: options.jobs,
        socketPath: options.socket,
        ...(options.probeSocket !== undefined ? { probeSocketPath: options.probeSocket } : {}),
      });
      const detach = broker.onEvent((event) => (sink ? sink.append([event]) : early.push(event)));
      const source: CaptureSource = { kind: 'broker', jobsDir: options.jobs, socketPath: broker.socketPath };
      try {
        sink = openSink(options.capture, startedAtWallMs, source);
      } catch (error) {
        detach();
        await broker.stop();
        throw error;
      }
      sink.append(early);
      const probes = broker.probeSocketPath !== undefined ? `, probe socket ${broker.probeSocketPath}` : '';
      const toFile = options.capture !== undefined && options.capture !== STDOUT;
      console.error(`xpc-inspector broker: socket ${broker.socketPath}${probes}, jobs ${options.jobs}, capture → ${toFile ? options.capture : 'stdout'}`);
      await untilSignalled();
      await broker.stop();
      detach();
      await sink.close();
      console.error(`xpc-inspector broker: stopped${toFile ? `; capture closed in ${options.capture}` : ''}`);
    });
}

/** `--capture -`: the capture goes to stdout, as without the option. */
const STDOUT = '-';

/** A mistyped --jobs is a usage error here, not a job-failed event in an empty capture. */
async function checkJobsDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`--jobs ${dir}: ${error.code === 'ENOENT' ? 'no such directory' : error.message}`);
  });
  if (!info.isDirectory()) throw new Error(`--jobs ${dir}: not a directory`);
}

function openSink(path: string | undefined, startedAtWallMs: number, source: CaptureSource): CaptureSink {
  if (path !== undefined && path !== STDOUT) {
    const journal = CaptureJournal.open({ path, startedAtWallMs, source });
    journal.onError((error) => {
      console.error(`xpc-inspector broker: ${error.message}`);
      process.exitCode = 1;
    });
    return journal;
  }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away (e.g. `| head`): stop like on a signal.
    if (error.code === 'EPIPE') process.kill(process.pid, 'SIGTERM');
  });
  return new CaptureStreamWriter(process.stdout, createCaptureHeader(startedAtWallMs, source));
}

/**
 * Resolves at the first SIGINT/SIGTERM. The handlers stay installed: a second Ctrl-C while the
 * broker stops and the capture is closed must not kill the process in the middle of a line.
 */
function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        console.error(`xpc-inspector broker: ${signal}: already stopping; the capture is being closed`);
        return;
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
