/**
 * libxpc's object API, its xpc_copy_description text, its decoder and encoder, against the
 * product's own model (app/xpc): the C unit-test program (test/unit.c) built by
 * `make -C native-probe linux`, and libxpc.so's symbol binding.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeXpc, encodeXpc } from '../../app/xpc/codec';
import { describeXpc } from '../../app/xpc/describe';
import { encodeMessageFrame } from '../../app/xpc/frame';
import { xpcValueArbitrary } from '../../app/xpc/fixtures/arbitrary';
import { dictGet, dictGetInt, dictGetString, INT64_MIN, UINT64_MAX, xpc, type XpcValue } from '../../app/xpc/value';
import { bytesToHex, hexToBytes } from '../test/compile';
import { binary, buildLinux, LIBXPC_DIR, runClient, runProgram, withoutAddresses } from './test/build';

beforeAll(() => buildLinux(), 120_000);

const UUID = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x0f, 0xed, 0xcb, 0xa9, 0x87, 0x65, 0x43, 0x21]);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

type Decoded = { ok: true; reencoded: string; description: string } | { ok: false; code: string; offset: number };

/** Feeds payloads to `libxpc-unit decode`, one hex line each; returns what it made of each. */
function decodeInC(payloads: readonly Uint8Array[]): Decoded[] {
  const out = runProgram(binary('libxpc-unit'), ['decode'], payloads.map((p) => `${bytesToHex(p)}\n`).join(''));
  const lines = out.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(payloads.length);
  return lines.map((line) => {
    const [status, a, b] = line.split(' ');
    if (status === 'ok') return { ok: true, reencoded: a!, description: new TextDecoder().decode(hexToBytes(b!)) };
    return { ok: false, code: a!, offset: Number(b) };
  });
}

describe('the object API', () => {
  it('keeps values, counts references (the global objects are immortal), orders dictionaries and copies deeply', () => {
    const r = spawnSync(binary('libxpc-unit'), ['objects'], { encoding: 'utf8' });
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !l.startsWith('ok ')), r.stdout + r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(13);
  });
});

describe('the dispatch stand-in and a connection without a broker', () => {
  it('runs serial queues in order and never concurrently, honours target queues, suspension, dispatch_after, semaphores and dispatch_once; a connection with no broker ends with CONNECTION_INVALID once and is finalized', () => {
    const r = spawnSync(binary('libxpc-unit'), ['runtime'], { encoding: 'utf8', env: { ...process.env, XPC_INSPECTOR_SOCKET: '' } });
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => !l.startsWith('ok ')), r.stdout + r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    expect(lines).toHaveLength(6);
  });
});

describe('xpc_copy_description', () => {
  const expected: Record<string, XpcValue> = {
    null: xpc.null(),
    true: xpc.bool(true),
    int64: xpc.int64(-42),
    uint64: xpc.uint64(UINT64_MAX),
    'double-fixed': xpc.double(3.25),
    'double-shortest': xpc.double(0.1234567890123),
    'double-tiny': xpc.double(1.5e-7),
    'double-huge': xpc.double(1e300),
    'double-nan': xpc.double(NaN),
    'double-neg-zero': xpc.double(-0),
    date: xpc.date(1700000000123456789n),
    'date-before-1970': xpc.date(-86400000000001n),
    data: xpc.data(utf8('0123456789abcdefghijklmnopq')),
    'data-empty': xpc.data(new Uint8Array(0)),
    string: xpc.string('quote " back \\ tab \t nl \n del \x7f é'),
    uuid: xpc.uuid(UUID),
    fd: xpc.fd('/tmp/a "file"'),
    shmem: xpc.shmem(16385),
    endpoint: xpc.endpoint('endpoint.1.2.3'),
    error: xpc.error('Connection interrupted'),
    nested: xpc.dictionary({
      list: xpc.array([xpc.int64(1), xpc.string('two'), xpc.array([])]),
      inner: xpc.dictionary({ deep: xpc.bool(false) }),
      empty: xpc.dictionary({}),
    }),
  };

  it('prints, for values built with the C API, the text app/xpc describeXpc prints for the same values', () => {
    const out = runProgram(binary('libxpc-unit'), ['describe']);
    const got = new Map(
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [name, hex] = l.split(' ');
          return [name!, new TextDecoder().decode(hexToBytes(hex!))] as const;
        }),
    );
    expect([...got.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(withoutAddresses(got.get(name)!), name).toBe(describeXpc(value));
  });

  it('prints real object addresses, as libxpc does', () => {
    const out = runProgram(binary('libxpc-unit'), ['describe']);
    const nested = new TextDecoder().decode(hexToBytes(out.split('\n').find((l) => l.startsWith('nested '))!.split(' ')[1]!));
    expect(nested).toMatch(/^<dictionary: 0x[0-9a-f]{6,}> \{ count = 3,/);
  });
});

describe('the decoder', () => {
  const fixed: XpcValue[] = [
    xpc.null(),
    xpc.dictionary({
      null: xpc.null(),
      bool: xpc.bool(true),
      int64: xpc.int64(INT64_MIN),
      uint64: xpc.uint64(UINT64_MAX),
      double: xpc.double(-0),
      date: xpc.date(-1n),
      data: xpc.data(utf8('xyz')),
      string: xpc.string('Grüße 😀'),
      uuid: xpc.uuid(UUID),
      fd: xpc.fd('/dev/null'),
      shmem: xpc.shmem(65536),
      array: xpc.array([xpc.int64(1), xpc.array([])]),
      error: xpc.error('Peer Forbidden'),
      endpoint: xpc.endpoint('com.example.anon'),
    }),
    xpc.string(''),
    xpc.string('x'.repeat(33)),
    xpc.data(new Uint8Array(0)),
    (() => {
      let v: XpcValue = xpc.null();
      for (let i = 0; i < 64; i++) v = xpc.array([v]);
      return v;
    })(),
  ];

  it('reads every value the TS encoder writes, re-encodes it byte for byte, and describes it as describeXpc does', () => {
    const sampled = fc.sample(xpcValueArbitrary, { numRuns: 400, seed: 20240611 });
    const values = [...fixed, ...sampled];
    const payloads = values.map((v) => encodeXpc(v));
    const results = decodeInC(payloads);
    results.forEach((r, i) => {
      const hex = bytesToHex(payloads[i]!);
      expect(r, hex).toMatchObject({ ok: true });
      if (!r.ok) return;
      expect(r.reencoded, hex).toBe(hex);
      expect(withoutAddresses(r.description), hex).toBe(describeXpc(values[i]!));
    });
  });

  /** Little-endian u32 words as bytes. */
  const words = (...ws: number[]): Uint8Array => {
    const out = new Uint8Array(ws.length * 4);
    const view = new DataView(out.buffer);
    ws.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
    return out;
  };
  const concat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const HEADER = words(0x42133742, 5);

  it('refuses malformed payloads with the same error code and byte offset as the TS decoder', () => {
    const deep = (() => {
      let v: XpcValue = xpc.null();
      for (let i = 0; i < 65; i++) v = xpc.array([v]);
      return encodeXpc(v);
    })();
    const crafted: Uint8Array[] = [
      new Uint8Array(0),
      words(0x42133743, 5, 0x1000),
      words(0x42133742, 4, 0x1000),
      concat(HEADER, words(0x6000)),
      concat(HEADER, words(0x2000, 2)),
      concat(HEADER, words(0x1000, 0)),
      concat(HEADER, words(0x9000, 0)),
      concat(HEADER, words(0x9000, 3), utf8('a\0\0\0')),
      concat(HEADER, words(0x9000, 3), utf8('ab'), Uint8Array.of(1, 0)),
      concat(HEADER, words(0x9000, 3), Uint8Array.of(0xc3, 0x28, 0, 0)),
      concat(HEADER, words(0x9000, 2), utf8('a'), Uint8Array.of(0, 7, 0)),
      concat(HEADER, words(0x8000, 1), Uint8Array.of(1, 9, 0, 0)),
      concat(HEADER, words(0x8000, 0xffffffff)),
      concat(HEADER, words(0xc000, 0xffffffff, 0xffffffff)),
      concat(HEADER, words(0xe000, 4, 5)),
      concat(HEADER, words(0xe000, 3)),
      concat(HEADER, words(0xe000, 8, 1, 0x1000, 0x1000)),
      concat(HEADER, words(0xf000, 16, 2), utf8('a\0\0\0'), words(0x1000), utf8('a\0\0\0'), words(0x1000)),
      concat(HEADER, words(0xf000, 8, 1), utf8('abcd')),
      concat(HEADER, words(0xf000, 12, 1), Uint8Array.of(0xff, 0, 0, 0), words(0x1000)),
      concat(HEADER, words(0x10000, 12, 1), utf8('a\0\0\0'), words(0x1000)),
      deep,
    ];
    const mutated: Uint8Array[] = [];
    for (const base of [encodeXpc(fixed[1]!), encodeXpc(xpc.dictionary({ k: xpc.array([xpc.string('text'), xpc.data(utf8('ab'))]) }))]) {
      for (let n = 0; n < base.length; n++) mutated.push(base.subarray(0, n));
      for (let at = 0; at < base.length; at++) {
        for (const change of [0x00, 0xff, 0x01]) {
          const copy = Uint8Array.from(base);
          copy[at] = change === 0x01 ? (copy[at]! + 1) & 0xff : change;
          mutated.push(copy);
        }
      }
    }
    const inputs = [...crafted, ...mutated];
    const results = decodeInC(inputs);
    let refused = 0;
    results.forEach((r, i) => {
      const expectedResult = decodeXpc(inputs[i]!);
      const hex = bytesToHex(inputs[i]!);
      if (expectedResult.ok) {
        expect(r, hex).toMatchObject({ ok: true, reencoded: bytesToHex(encodeXpc(expectedResult.value)) });
      } else {
        refused += 1;
        expect(r, `${hex}: ${expectedResult.error.message}`).toEqual({ ok: false, code: expectedResult.error.code, offset: expectedResult.error.offset });
      }
    });
    // Every crafted input is malformed.
    expect(results.slice(0, crafted.length).every((r) => !r.ok)).toBe(true);
    expect(refused).toBeGreaterThan(crafted.length + 200);
  });

  it('refuses a payload over the element limit', () => {
    const count = 1_000_001;
    const payload = new Uint8Array(8 + 12 + count * 4);
    const view = new DataView(payload.buffer);
    view.setUint32(0, 0x42133742, true);
    view.setUint32(4, 5, true);
    view.setUint32(8, 0xe000, true);
    view.setUint32(12, 4 + count * 4, true);
    view.setUint32(16, count, true);
    for (let i = 0; i < count; i++) view.setUint32(20 + i * 4, 0x1000, true);
    const expectedResult = decodeXpc(payload);
    expect(expectedResult.ok).toBe(false);
    const [r] = decodeInC([payload]);
    expect(r).toEqual({ ok: false, code: 'too-many-elements', offset: 16 });
    expect(expectedResult.ok ? undefined : expectedResult.error.code).toBe('too-many-elements');
  });
});

describe('the runtime against a broker that misbehaves', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/libxpc-hostile-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const frame = (value: XpcValue): Uint8Array => encodeMessageFrame(value, 0n);
  const header = (bodyLength: number, magic = 0x29b00b92): Uint8Array => {
    const out = new Uint8Array(24);
    const view = new DataView(out.buffer);
    view.setUint32(0, magic, true);
    view.setUint32(4, 0x101, true);
    view.setBigUint64(8, BigInt(bodyLength), true);
    return out;
  };

  /**
   * A fake broker on a socket of its own: once the client has said hello and sent its request, it
   * writes `bytes` and then closes. Runs `c-client slow-txn`; returns what it printed.
   */
  async function against(name: string, bytes: readonly Uint8Array[]): Promise<{ error?: string; reason?: string; code: number | null; signal: string | null; stderr: string }> {
    const path = join(dir, `${name}.sock`);
    const server = createServer((socket: Socket) => {
      let received = 0;
      socket.on('data', (chunk) => {
        received += chunk.length;
        // hello, connect, activate and send have arrived: answer with the hostile bytes.
        if (received > 200 && !socket.writableEnded) {
          for (const b of bytes) socket.write(b);
          socket.end();
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const client = runClient(['slow-txn', '100'], path);
      const exit = await client.exited;
      const reply = client.lines.find((l) => l.event === 'txn-reply');
      return {
        error: dictGetString(reply?.fields, 'error'),
        reason: dictGetString(reply?.fields, 'reason'),
        code: exit.code,
        signal: exit.signal,
        stderr: client.stderr.join(''),
      };
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  const cases: [string, () => Uint8Array[], RegExp][] = [
    ['a frame with a bad magic', () => [header(8, 0x12345678), new Uint8Array(8)], /^the broker connection closed: malformed frame from the broker: bad frame magic 0x12345678$/],
    ['a body that is not an XPC payload', () => [header(8), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)], /^the broker connection closed: malformed frame body from the broker: bad-magic at byte 0$/],
    [
      'an unknown op (ignored), then an op without a required key',
      () => [frame(xpc.dictionary({ op: xpc.string('from-the-future') })), frame(xpc.dictionary({ op: xpc.string('reply') }))],
      /^the broker connection closed: op 'reply' from the broker: key 'connection' must be int64$/,
    ],
    ['a frame whose body is not an op dictionary', () => [frame(xpc.array([]))], /not an op dictionary$/],
    ['fatal, then the socket closes', () => [frame(xpc.dictionary({ op: xpc.string('fatal'), reason: xpc.string('go away') }))], /^the broker connection closed: the broker closed the connection: go away$/],
    ['a header promising 60 MiB that never come', () => [header(60 * 1024 * 1024), new Uint8Array(100)], /^the broker connection closed: the broker closed the connection$/],
    ['a body over the 64 MiB frame limit', () => [header(65 * 1024 * 1024)], /over the limit$/],
  ];

  for (const [what, bytes, reason] of cases) {
    it(`${what}: every outstanding request and connection ends with CONNECTION_INVALID and that reason; the process carries on`, async () => {
      const result = await against(what.replace(/[^a-z]+/g, '-').slice(0, 30), bytes());
      expect(result, result.stderr).toMatchObject({ error: 'Connection invalid', code: 0, signal: null });
      expect(result.reason).toMatch(reason);
    });
  }

  it('a well-formed reply from the same kind of fake broker reaches the request (the cases above fail for their bytes alone)', async () => {
    const path = join(dir, 'echo.sock');
    const server = createServer((socket: Socket) => {
      let requestId: bigint | undefined;
      let buffered = new Uint8Array(0);
      socket.on('data', (chunk) => {
        const joined = new Uint8Array(buffered.length + chunk.length);
        joined.set(buffered);
        joined.set(chunk, buffered.length);
        buffered = joined;
        // Frames: hello (1), connect (2), activate (3), send (4): answer request 4 on connection 1.
        while (buffered.length >= 24) {
          const view = new DataView(buffered.buffer, buffered.byteOffset);
          const length = Number(view.getBigUint64(8, true));
          if (buffered.length < 24 + length) break;
          const id = view.getBigUint64(16, true);
          const op = decodeXpc(buffered.subarray(24, 24 + length));
          if (op.ok && dictGetString(op.value, 'op') === 'send') requestId = id;
          buffered = buffered.subarray(24 + length);
        }
        if (requestId !== undefined) {
          socket.write(frame(xpc.dictionary({ op: xpc.string('reply'), connection: xpc.int64(1), request: xpc.int64(requestId), body: xpc.dictionary({ answer: xpc.uint64(7n) }) })));
          requestId = undefined;
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const client = runClient(['slow-txn', '100'], path);
      const reply = await client.line('txn-reply');
      expect(dictGetInt(reply.fields, 'calls')).toBe(1n);
      expect(dictGetInt(dictGet(reply.fields, 'body'), 'answer')).toBe(7n);
      client.child.kill('SIGKILL');
      await client.exited;
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('symbol binding of libxpc.so', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'libxpc-preload-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has no PLT or GOT entry for a function it exports, so its calls to itself cannot be interposed', () => {
    const readelf = spawnSync('readelf', ['-W', '--dyn-syms', '-r', binary('libxpc.so')], { encoding: 'utf8' });
    if (readelf.error !== undefined) {
      console.warn('readelf not found: the relocation check of libxpc.so is skipped (the LD_PRELOAD check below still runs)');
      return;
    }
    const exported = new Set(
      readelf.stdout
        .split('\n')
        .filter((l) => / FUNC +GLOBAL +(DEFAULT|PROTECTED) +\d+ /.test(l))
        .map((l) => l.trim().split(/\s+/).at(-1)!),
    );
    expect(exported.has('xpc_dictionary_set_value')).toBe(true);
    expect(exported.has('dispatch_async')).toBe(true);
    const selfRelocations = readelf.stdout
      .split('\n')
      .filter((l) => /R_X86_64_(JUMP_SLOT|GLOB_DAT)/.test(l))
      .map((l) => l.trim().split(/\s+/)[4]!)
      .filter((name) => exported.has(name));
    expect(selfRelocations).toEqual([]);
  });

  it('an LD_PRELOAD library defining xpc_retain sees the application\'s call, not the library\'s own', () => {
    const preload = join(dir, 'preload.c');
    const app = join(dir, 'app.c');
    writeFileSync(
      preload,
      `#include <stdio.h>
void *xpc_retain(void *object) { printf("interposed xpc_retain\\n"); fflush(stdout); return object; }
`,
    );
    writeFileSync(
      app,
      `#include <xpc/xpc.h>
int main(void) {
  xpc_object_t d = xpc_dictionary_create_empty();
  xpc_object_t s = xpc_string_create("v");
  xpc_dictionary_set_value(d, "k", s);  /* retains s inside libxpc */
  xpc_object_t copy = xpc_copy(d);      /* retains inside libxpc */
  xpc_retain(s);                        /* the application's own call */
  printf("done\\n");
  return copy == NULL;
}
`,
    );
    // Zig as the Makefile runs it ($ZIG, else the PyPI package).
    const zig = (process.env['ZIG']?.trim() || 'python3 -m ziglang').split(/\s+/);
    const cc = (args: string[]): void => {
      const r = spawnSync(zig[0]!, [...zig.slice(1), 'cc', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`zig cc ${args.join(' ')}:\n${r.stderr}`);
    };
    cc(['-O1', '-fPIC', '-shared', '-o', join(dir, 'libpreload.so'), preload]);
    cc(['-std=gnu11', '-fblocks', '-I', join(LIBXPC_DIR, 'include'), '-o', join(dir, 'app'), app, binary('libxpc.so'), '-lBlocksRuntime', `-Wl,-rpath,${join(LIBXPC_DIR, '..', 'build', 'linux')}`]);
    const r = spawnSync(join(dir, 'app'), [], { encoding: 'utf8', env: { ...process.env, LD_PRELOAD: join(dir, 'libpreload.so') } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('interposed xpc_retain\ndone\n');
  });
});
