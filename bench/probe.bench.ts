/**
 * What the native probe adds per message, measured where it runs for real: a C client written
 * against Apple's libxpc API (native-probe/test/roundtrip.c, on native-probe/libxpc) sends
 * synchronous requests to a C service under the broker hosted by this process, with the probe
 * (the LD_PRELOAD build of native-probe/interpose/xpc_interpose.c) off, reporting to a socket that
 * only drains, and reporting to the broker. Blocks are interleaved; the baseline is the probe-off
 * run of the same client and service in the same run.
 *
 * The client's own CPU time per round trip is the figure that matters to an observed app (the
 * probe's encoding and socket writes happen on the app's threads); wall-clock time also carries
 * the broker's work of turning records into events, which shares this machine's cores.
 *
 * Run: node scripts/run-bench.mjs probe   (ROUNDS=… COUNT=… to change the sizes)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../main/broker';
import { PROBE_DIR } from '../native-probe/test/compile';
import { describeOverhead, measureOverhead, probedJobs, startDrain } from './probe/overhead';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const COUNT = Number(process.env.COUNT ?? 2000);

const make = spawnSync('make', ['-C', PROBE_DIR, 'linux', 'linux-probe'], { encoding: 'utf8' });
if (make.status !== 0) {
  console.error(`make -C native-probe linux linux-probe failed:\n${make.stdout}${make.stderr}`);
  process.exit(1);
}

const dir = mkdtempSync('/tmp/xpc-probe-bench-');
const probeSocket = join(dir, 'run', 'probe.sock');
const drainSocket = join(dir, 'drain.sock');
const broker = await Broker.start({ jobsDir: probedJobs(dir, probeSocket, drainSocket), socketPath: join(dir, 'b.sock'), probeSocketPath: probeSocket, log: () => undefined });
const drain = await startDrain(drainSocket);
try {
  const overhead = await measureOverhead(ROUNDS, COUNT, broker.socketPath, probeSocket, drainSocket);
  console.log(describeOverhead(overhead, COUNT));
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  drain.kill();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
