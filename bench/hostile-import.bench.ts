/**
 * Hostile capture files (DESIGN.md: < 256 MB over baseline, error < 5 s, live traffic never
 * stalls). Each file is opened the way the host opens an upload, in a child process of its own,
 * next to the same child opening a tiny good capture (the baseline): time to the error and peak
 * RSS over the baseline. Then, in this process, a broker answers hellos while the files are read
 * in the import worker, next to the same hellos without an import: the latency ratio.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PROTOCOL_VERSION } from '../app/protocol/ops';
import { Broker } from '../main/broker';
import { importLimits } from '../main/capture/import-limits';
import { runImportOffThread } from '../main/import/off-thread';
import { badLinesFile, goodFile, newlineBomb, newlineFreeBomb, oneLineFile } from '../main/import/testing/hostile-files';
import { importMeter } from '../main/import/testing/measure';
import { BrokerSocket } from '../sdk/broker-socket';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'xpci-hostile-bench-'));

function hello(socketPath: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket: BrokerSocket = new BrokerSocket(socketPath, {
      onOp: (op) => {
        if (op.op !== 'hello-ok') return;
        socket.close('measured');
        resolve(performance.now() - started);
      },
      onClose: (reason) => reject(new Error(reason)),
    });
    socket.send({ op: 'hello', version: PROTOCOL_VERSION, name: 'bench-probe', processType: 'app' });
  });
}

async function hellosUntil(socketPath: string, done: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!done()) {
    times.push(await hello(socketPath));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return times;
}

const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

try {
  const files = [newlineBomb(dir), newlineFreeBomb(dir), oneLineFile(dir), badLinesFile(dir)];
  const meter = await importMeter(process.cwd());
  const baseline = await meter.measure(goodFile(dir));
  console.log(`baseline: a tiny good capture, peak RSS ${(baseline.peakRssBytes / MiB).toFixed(0)} MiB, ${baseline.ms.toFixed(0)} ms`);
  console.log('file                                          time to error   peak RSS over baseline   (target < 5000 ms, < 256 MiB)');
  for (const file of files) {
    const result = await meter.measure(file.path);
    console.log(`${file.name.padEnd(45)} ${`${result.ms.toFixed(0)} ms`.padStart(13)}   ${`${((result.peakRssBytes - baseline.peakRssBytes) / MiB).toFixed(0)} MiB`.padStart(22)}`);
  }

  mkdirSync(join(dir, 'jobs'));
  const broker = await Broker.start({ jobsDir: join(dir, 'jobs'), socketPath: join(dir, 'broker.sock'), log: () => undefined });
  try {
    const started = performance.now();
    const without = await hellosUntil(broker.socketPath, () => performance.now() - started > 2000);
    let reading = true;
    const reads = (async () => {
      for (let round = 0; round < 2; round++) {
        for (const file of files) {
          await runImportOffThread({ kind: 'check-capture', request: { path: file.path, fileName: basename(file.path) }, limits: importLimits() }, file.name);
        }
      }
    })().finally(() => (reading = false));
    const during = await hellosUntil(broker.socketPath, () => !reading);
    await reads;
    for (const p of [50, 90, 99]) {
      const [a, b] = [percentile(during, p), percentile(without, p)];
      console.log(`broker hello p${p}: ${a.toFixed(2)} ms while hostile files are read vs ${b.toFixed(2)} ms without: ${(a / b).toFixed(2)}× (target ≤ 2×)`);
    }
    console.log(`(${during.length} hellos during the reads, ${without.length} without)`);
  } finally {
    await broker.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
