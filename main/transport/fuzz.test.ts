/**
 * Hostile input from another process: 100,000 random and mutated frames over many
 * connections must never crash the server, leak connections, or disturb a well-behaved client
 * connected all along, and the server still serves new clients afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { encodeMessageFrame, FrameFlag } from '../../app/xpc/frame';
import { xpc, xpcEquals, type XpcValue } from '../../app/xpc/value';
import { connectUnix, listenUnix, type UnixServer } from './server';
import { makeTempDir, spawnNode, waitFor, type TempDir } from './test-helpers';

const FUZZ_INPUTS = 100_000;
const MAX_FRAME_BYTES = 1 << 20;
const REQUEST_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.WANTING_REPLY;
const REPLY_FLAGS = FrameFlag.ALWAYS_SET | FrameFlag.DATA_PRESENT | FrameFlag.REPLY;

/**
 * The attacker. For each fuzz input it opens a connection, sends 0–2 valid frames and then
 * one hostile input (bit flips, truncation, insertion, deletion, header tampering, huge
 * declared lengths, or plain garbage), split into 1–4 writes, and closes. Prints a JSON
 * summary line at the end.
 */
const FUZZ_CHILD_JS = `
import net from 'node:net';
import { readFileSync } from 'node:fs';
const [path, seedFile, totalText, concurrencyText, seedText] = process.argv.slice(1);
const total = Number(totalText), concurrency = Number(concurrencyText);
let state = Number(seedText) >>> 0;
function rand() { // mulberry32: reproducible from the printed seed
  state = (state + 0x6D2B79F5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const randomBytes = (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };

const raw = readFileSync(seedFile);
const seeds = [];
for (let off = 4, n = raw.readUInt32LE(0); n > 0; n--) {
  const len = raw.readUInt32LE(off);
  seeds.push(raw.subarray(off + 4, off + 4 + len));
  off += 4 + len;
}
const pick = () => seeds[int(seeds.length)];

const KINDS = ['flip', 'truncate', 'insert', 'delete', 'garbage', 'hugeLength', 'wrongLength', 'badBody', 'headerFields', 'badMagic'];
const kindCounts = Object.fromEntries(KINDS.map((k) => [k, 0]));
function hostile() {
  const kind = KINDS[int(KINDS.length)];
  kindCounts[kind]++;
  const f = Buffer.from(pick());
  switch (kind) {
    case 'flip': { for (let i = 1 + int(4); i > 0; i--) f[int(f.length)] ^= 1 << int(8); return f; }
    case 'truncate': return f.subarray(0, int(f.length));
    case 'insert': { const at = int(f.length + 1); return Buffer.concat([f.subarray(0, at), randomBytes(1 + int(16)), f.subarray(at)]); }
    case 'delete': { const at = int(f.length); return Buffer.concat([f.subarray(0, at), f.subarray(at + 1 + int(8))]); }
    case 'garbage': return randomBytes(1 + int(256));
    case 'hugeLength': {
      const lengths = [${MAX_FRAME_BYTES + 1}n, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn, BigInt(1 + int(2 ** 31)) * 4096n];
      f.writeBigUInt64LE(lengths[int(lengths.length)], 8);
      return f;
    }
    case 'wrongLength': { f.writeBigUInt64LE(BigInt(Math.max(0, f.length - 24 + int(33) - 16)), 8); return f; }
    case 'badBody': { const body = randomBytes(int(200)); const h = Buffer.from(f.subarray(0, 24)); h.writeBigUInt64LE(BigInt(body.length), 8); return Buffer.concat([h, body]); }
    case 'headerFields': { f.writeUInt32LE(int(2 ** 32), 4); f.writeBigUInt64LE(BigInt(int(2 ** 32)) << BigInt(int(32)), 16); return f; }
    case 'badMagic': { f.writeUInt32LE(int(2 ** 32), 0); return f; }
  }
}

let started = 0, finished = 0, bytesSent = 0, closedBeforeEnd = 0, socketErrors = 0;
function oneConnection() {
  return new Promise((resolve) => {
    const parts = [];
    for (let i = int(3); i > 0; i--) parts.push(pick());
    parts.push(hostile());
    const stream = Buffer.concat(parts);
    bytesSent += stream.length;
    const cuts = [0];
    for (let i = int(4); i > 0; i--) cuts.push(int(stream.length + 1));
    cuts.push(stream.length);
    cuts.sort((a, b) => a - b);
    const socket = net.connect(path);
    let ended = false;
    socket.on('error', () => { socketErrors++; });
    socket.on('data', () => {});
    socket.on('close', () => { if (!ended) closedBeforeEnd++; finished++; resolve(); });
    socket.on('connect', () => {
      for (let i = 1; i < cuts.length; i++) socket.write(stream.subarray(cuts[i - 1], cuts[i]));
      ended = true;
      socket.end();
    });
  });
}
async function worker() {
  while (started < total) { started++; await oneConnection(); }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: concurrency }, worker));
console.log(JSON.stringify({ inputs: finished, bytesSent, closedBeforeEnd, socketErrors, kindCounts, ms: Date.now() - t0 }));
`;

const SEED_VALUES: XpcValue[] = [
  xpc.dictionary({ op: xpc.string('message'), service: xpc.string('com.example.echo'), id: xpc.uint64(7) }),
  xpc.dictionary({
    nested: xpc.dictionary({ list: xpc.array([xpc.int64(-1), xpc.double(Math.PI), xpc.bool(false), xpc.null()]) }),
    blob: xpc.data(new Uint8Array(64).map((_, i) => i)),
    when: xpc.date(1_700_000_000_000_000_000n),
    uuid: xpc.uuid(new Uint8Array(16).fill(0x5a)),
  }),
  xpc.array([xpc.string('a'), xpc.string('bc'), xpc.string('déf')]),
  xpc.string('hello'),
  xpc.int64(0),
];

let tmp: TempDir;
let server: UnixServer | undefined;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  tmp.cleanup();
});

it(
  'survives 100,000 random and mutated frames from a child process and still serves a well-behaved client',
  async () => {
    const path = join(tmp.dir, 'broker.sock');
    let accepted = 0;
    let messages = 0;
    let malformedCloses = 0;
    let otherAbnormalCloses = 0;
    server = await listenUnix(path, {
      maxFrameBytes: MAX_FRAME_BYTES,
      log: () => {},
      onConnection(conn) {
        accepted++;
        conn.on('message', (m) => {
          messages++;
          conn.send(m.value, m.messageId, REPLY_FLAGS);
        });
        conn.on('close', ({ reason, error }) => {
          if (reason.startsWith(`malformed frame from pid ${conn.peer.pid} at stream offset `)) malformedCloses++;
          else if (error) otherAbnormalCloses++;
        });
      },
    });

    const seedFrames = SEED_VALUES.map((v, i) => encodeMessageFrame(v, BigInt(i + 1), REQUEST_FLAGS));
    const seedFile = join(tmp.dir, 'seeds.bin');
    const parts: Buffer[] = [Buffer.from(Uint32Array.of(seedFrames.length).buffer)];
    for (const frame of seedFrames) parts.push(Buffer.from(Uint32Array.of(frame.length).buffer), Buffer.from(frame));
    writeFileSync(seedFile, Buffer.concat(parts));

    // A well-behaved client stays connected through the whole fuzz and keeps getting answers.
    const bystander = await connectUnix(path);
    let bystanderClosed = '';
    bystander.on('close', ({ reason }) => (bystanderClosed = reason));
    let fuzzing = true;
    let bystanderRoundTrips = 0;
    const bystanderLoop = (async () => {
      while (fuzzing) {
        const value = SEED_VALUES[bystanderRoundTrips % SEED_VALUES.length]!;
        const reply = new Promise<{ value: XpcValue | undefined }>((resolve) => bystander.once('message', resolve));
        bystander.send(value, bystander.nextMessageId(), REQUEST_FLAGS);
        const got = await reply;
        expect(got.value !== undefined && xpcEquals(got.value, value)).toBe(true);
        bystanderRoundTrips++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const seed = Date.now() >>> 0;
    const child = spawnNode(FUZZ_CHILD_JS, [path, seedFile, String(FUZZ_INPUTS), '24', String(seed)]);
    const result = await child.exited;
    fuzzing = false;
    await bystanderLoop;
    expect(bystanderClosed).toBe('');
    expect(bystanderRoundTrips).toBeGreaterThan(10);
    bystander.close('done');
    expect(result.code, `fuzz child (seed ${seed}) failed: ${result.stderr}`).toBe(0);
    const summary = JSON.parse(result.stdout.trim()) as { inputs: number; bytesSent: number; kindCounts: Record<string, number>; ms: number };
    console.log(`fuzz seed ${seed}: ${JSON.stringify(summary)}; server saw ${accepted} connections, ${messages} messages (${bystanderRoundTrips} from the bystander), ${malformedCloses} malformed closes`);

    // Every hostile input really reached the server, over its own connection.
    expect(summary.inputs).toBe(FUZZ_INPUTS);
    expect(accepted).toBe(FUZZ_INPUTS + 1);
    // Both the valid prefixes and the hostile inputs were processed: messages were decoded and malformed ones rejected.
    expect(messages - bystanderRoundTrips).toBeGreaterThan(FUZZ_INPUTS / 2);
    expect(malformedCloses).toBeGreaterThan(FUZZ_INPUTS / 2);
    expect(otherAbnormalCloses).toBe(0);
    // No connection leaks: every one of them is gone.
    await waitFor(() => server!.connections.size === 0, 'all fuzz connections to close');

    const conn = await connectUnix(path);
    const value = SEED_VALUES[1]!;
    const reply = new Promise<{ value: XpcValue | undefined; flags: number }>((resolve) => conn.once('message', resolve));
    conn.send(value, conn.nextMessageId(), REQUEST_FLAGS);
    const got = await reply;
    expect(got.flags).toBe(REPLY_FLAGS);
    expect(got.value !== undefined && xpcEquals(got.value, value)).toBe(true);
    conn.close('done');
  },
  120_000,
);
