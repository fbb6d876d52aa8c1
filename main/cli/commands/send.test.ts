/**
 * `xpc-inspector send` as a user runs it: `node bin/xpc-inspector.mjs send …` as a real child
 * process (the built CLI: `npm run build` first) against a real broker started here, serving
 * the built echo demo and the SDK test fixture service as real launched processes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_SOCKET } from '../../../app/protocol/env';
import { parseXpcJson } from '../../../app/xpc/json';
import { dictGet, dictGetString, xpc, type XpcValue } from '../../../app/xpc/value';
import { bundleSdkPrograms, type Bundles } from '../../broker/testing/bundle';
import { TestBroker } from '../../broker/testing/harness';
import { SEND_EXIT } from './send';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(root, 'bin', 'xpc-inspector.mjs');
const echoProgram = join(root, 'out', 'demo', 'echo.mjs');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let tb: TestBroker;
let bundles: Bundles;
let scratch: string;

function run(args: readonly string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    if (options.env?.[ENV_SOCKET] === undefined) delete env[ENV_SOCKET];
    const child = spawn(process.execPath, [bin, 'send', ...args], { cwd: scratch, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`xpc-inspector send ${args.join(' ')} did not exit\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `send` against the test broker. */
function send(service: string, message: string, ...flags: string[]): Promise<Run> {
  return run(['--socket', tb.socketPath, service, message, ...flags]);
}

function parsedReply(result: Run): XpcValue {
  const parsed = parseXpcJson(result.stdout);
  if (!parsed.ok) throw new Error(`stdout is not XPC-JSON (${parsed.error.message}):\n${result.stdout}\nstderr: ${result.stderr}`);
  return parsed.value;
}

beforeAll(async () => {
  if (!existsSync(join(root, 'out', 'main', 'cli.mjs')) || !existsSync(echoProgram)) {
    throw new Error('out/main/cli.mjs or out/demo/echo.mjs is missing: run `npm run build` before these tests');
  }
  scratch = mkdtempSync(join(tmpdir(), 'xpc-send-'));
  bundles = await bundleSdkPrograms(['sdk/testing/fixture-service.ts']);
  tb = await TestBroker.start([
    { label: 'com.example.echo', kind: 'agent', program: echoProgram, services: ['com.example.echo'], processType: 'Adaptive' },
    { label: 'com.test.fixture', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.fixture'] },
    // A second crashing service, so one crash test does not wait out the other's relaunch throttle.
    { label: 'com.test.fixture2', kind: 'agent', program: bundles.path('fixture-service'), services: ['com.test.fixture2'] },
    { label: 'com.test.daemon', kind: 'daemon', program: bundles.path('fixture-service'), services: ['com.test.daemon'] },
  ]);
}, 60_000);

afterAll(async () => {
  await tb?.stop();
  if (bundles) rmSync(bundles.dir, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('xpc-inspector send: replies', () => {
  it('--reply prints the echo service reply as XPC-JSON on stdout, exact types kept, and exits 0', async () => {
    const result = await send('com.example.echo', '{"text":"hello","n":{"$uint64":"18446744073709551615"},"when":{"$date":"2026-01-02T03:04:05.000000006Z"}}', '--reply');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(SEND_EXIT.ok);
    const reply = parsedReply(result);
    expect(dictGetString(reply, 'text')).toBe('hello');
    const echoed = dictGet(reply, 'echo');
    expect(echoed).toEqual(
      xpc.dictionary({ text: xpc.string('hello'), n: xpc.uint64(18446744073709551615n), when: xpc.date(1767323045000000006n) }),
    );
  });

  it('--sync sends the request flagged synchronous (as the broker records it) and prints the reply', async () => {
    const after = tb.mark();
    const result = await send('com.example.echo', '{"text":"sync please"}', '--sync');
    expect(result.code).toBe(SEND_EXIT.ok);
    expect(dictGetString(parsedReply(result), 'text')).toBe('sync please');
    const sent = await tb.waitFor('message-sent', (e) => e.messageKind === 'message' && e.service === 'com.example.echo', { after });
    expect(sent).toMatchObject({ expectsReply: true, sync: true });
  });

  it('reads the message from stdin when it is given as -', async () => {
    const result = await run(['--socket', tb.socketPath, 'com.example.echo', '-', '--reply'], { stdin: '{"text": "from stdin"}\n' });
    expect(result.code).toBe(SEND_EXIT.ok);
    expect(dictGetString(parsedReply(result), 'text')).toBe('from stdin');
  });

  it(`uses $${ENV_SOCKET} as the broker socket when --socket is not given`, async () => {
    const result = await run(['com.example.echo', '{"text":"via env"}', '--reply'], { env: { [ENV_SOCKET]: tb.socketPath } });
    expect(result.code).toBe(SEND_EXIT.ok);
    expect(dictGetString(parsedReply(result), 'text')).toBe('via env');
  });

  it('--privileged reaches a launch daemon', async () => {
    const result = await send('com.test.daemon', '{"op":"echo","x":1}', '--privileged', '--reply');
    expect(result.code).toBe(SEND_EXIT.ok);
    expect(dictGet(dictGet(parsedReply(result), 'echo')!, 'x')).toEqual(xpc.int64(1));
  });
});

describe('xpc-inspector send: one-way messages and process type', () => {
  it('without --reply the one-way message is handed to the broker for the service, and nothing is printed', async () => {
    const after = tb.mark();
    const result = await send('com.example.echo', '{"text":"one way"}');
    expect(result).toMatchObject({ code: SEND_EXIT.ok, stdout: '', stderr: '' });
    const attached = await tb.waitFor('process-attached', (e) => e.process.name === 'xpc-inspector send', { after });
    const sent = await tb.waitFor('message-sent', (e) => e.fromPid === attached.process.pid, { after });
    expect(sent).toMatchObject({ service: 'com.example.echo', expectsReply: false, value: xpc.dictionary({ text: xpc.string('one way') }) });
  });

  it('--background attaches as a background process whose message does not boost; by default it is an app that boosts', async () => {
    const background = tb.mark();
    expect((await send('com.example.echo', '{"text":"quiet"}', '--background', '--reply')).code).toBe(SEND_EXIT.ok);
    const attachedBg = await tb.waitFor('process-attached', (e) => e.process.name === 'xpc-inspector send', { after: background });
    expect(attachedBg.processType).toBe('background');
    expect(await tb.waitFor('message-sent', (e) => e.fromPid === attachedBg.process.pid, { after: background })).toMatchObject({ boosting: false });

    const app = tb.mark();
    expect((await send('com.example.echo', '{"text":"loud"}', '--reply')).code).toBe(SEND_EXIT.ok);
    const attachedApp = await tb.waitFor('process-attached', (e) => e.process.name === 'xpc-inspector send', { after: app });
    expect(attachedApp.processType).toBe('app');
    expect(await tb.waitFor('message-sent', (e) => e.fromPid === attachedApp.process.pid, { after: app })).toMatchObject({ boosting: true });
  });
});

describe('xpc-inspector send: failures', () => {
  it('an unknown service exits with the CONNECTION_INVALID code and the broker invalidation reason', async () => {
    const result = await send('com.example.nobody', '{"text":"anyone?"}', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalid);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('com.example.nobody: Connection invalid: no service named "com.example.nobody" is registered with the broker');
  });

  it('an unknown service is reported for a one-way message too', async () => {
    const result = await send('com.example.nobody', '{"text":"anyone?"}');
    expect(result.code).toBe(SEND_EXIT.invalid);
    expect(result.stderr).toContain('no service named "com.example.nobody"');
  });

  it('a launch daemon looked up without --privileged is invalid, with the reason naming the flag', async () => {
    const result = await send('com.test.daemon', '{"op":"echo"}', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalid);
    expect(result.stderr).toContain('daemons are looked up only with the privileged flag');
  });

  it('a service that returns from its handler without replying exits with the CONNECTION_INVALID code and the broker reason', async () => {
    const result = await send('com.test.fixture', '{"op":"no-reply"}', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalid);
    expect(result.stderr).toMatch(/com\.test\.fixture: Connection invalid: .*returned from its handler for message \d+ without creating a reply/);
  });

  it('a service that crashes on receipt exits with the CONNECTION_INTERRUPTED code and the crash reason', async () => {
    const result = await send('com.test.fixture', '{"op":"crash"}', '--reply');
    expect(result.code).toBe(SEND_EXIT.interrupted);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/com\.test\.fixture: Connection interrupted .*com\.test\.fixture \(pid \d+\).*SIGKILL/);
  });

  it('a crash during a --sync request is reported as interrupted with its reason as well', async () => {
    const result = await send('com.test.fixture2', '{"op":"crash"}', '--sync');
    expect(result.code).toBe(SEND_EXIT.interrupted);
    expect(result.stderr).toMatch(/Connection interrupted .*SIGKILL/);
  });

  it('invalid XPC-JSON exits with its own code, naming the JSON path, line and column, and never reaches the broker', async () => {
    const after = tb.mark();
    const result = await send('com.example.echo', '{"text":"ok",\n "n": {"$int64": 5}}', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalidJson);
    expect(result.stderr).toContain('invalid XPC-JSON message: $.n: expected an integer string for $int64, got number (line 2, column');
    expect(tb.of('connection-opened', () => true, after)).toEqual([]);
  });

  it('malformed JSON text is reported with its line and column', async () => {
    const result = await send('com.example.echo', '{"text": "unterminated}', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalidJson);
    expect(result.stderr).toMatch(/invalid XPC-JSON message: \$.*\(line 1, column \d+\)/);
  });

  it('a message that is not a dictionary is refused as invalid XPC-JSON', async () => {
    const result = await send('com.example.echo', '["not", "a", "dictionary"]', '--reply');
    expect(result.code).toBe(SEND_EXIT.invalidJson);
    expect(result.stderr).toContain('a message must be a dictionary (a JSON object), got array');
  });

  it('no socket at the path exits with the no-broker code naming the path', async () => {
    const path = join(scratch, 'missing.sock');
    const result = await run(['--socket', path, 'com.example.echo', '{}', '--reply']);
    expect(result.code).toBe(SEND_EXIT.noBroker);
    expect(result.stderr).toContain(path);
    expect(result.stderr).toContain('no socket there');
  });

  it('a socket file nobody listens on exits with the no-broker code', async () => {
    const path = join(scratch, 'stale.sock');
    writeFileSync(path, '');
    const result = await run(['--socket', path, 'com.example.echo', '{}']);
    expect(result.code).toBe(SEND_EXIT.noBroker);
    expect(result.stderr).toContain(path);
  });

  it('a reply that does not come within --timeout exits with the timeout code', async () => {
    const started = Date.now();
    const result = await send('com.test.fixture', '{"op":"hold","ms":5000}', '--reply', '--timeout', '300');
    expect(result.code).toBe(SEND_EXIT.timeout);
    expect(result.stderr).toContain('com.test.fixture: no reply within 300 ms');
    expect(Date.now() - started).toBeLessThan(4500);
  });

  it('a --timeout that is not a positive number is a usage error', async () => {
    const result = await send('com.example.echo', '{}', '--timeout', 'soon');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("option '--timeout <ms>' argument 'soon' is invalid");
  });
});
