import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, buildBinary, type PlistValue } from 'plist';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arrayObject, asciiObject, assembleBinaryPlist, dictObject, type RawObject } from './bplist-test-writer';
import { formatJobWarning, type Job, type JobLoadResult } from './job';
import { loadJobsFromDirectory } from './load-jobs';
import { parseJobPlist } from './parse-job';
import { MAX_PLIST_BYTES } from './read-plist';

const LAYOUT = fileURLToPath(new URL('./fixtures/layout', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xpc-jobs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writePlist(relative: string, value: PlistValue): string {
  return writeText(relative, build(value));
}

function writeText(relative: string, text: string | Uint8Array): string {
  const file = join(dir, relative);
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function jobNamed(result: JobLoadResult, label: string): Job {
  const job = result.jobs.find((j) => j.label === label);
  if (!job) throw new Error(`no job ${label}; failures: ${result.failures.map((f) => f.error).join('; ')}`);
  return job;
}

const GOOD = { Label: 'com.example.good', ProgramArguments: ['/bin/true'] };

describe('the fixture jobs directory', () => {
  it('parses every supported key of a launch agent into the job', async () => {
    const result = await loadJobsFromDirectory(LAYOUT);
    expect(result.failures).toEqual([]);
    const echo = jobNamed(result, 'com.example.echo');
    expect(echo).toEqual({
      label: 'com.example.echo',
      kind: 'launch-agent',
      machServices: ['com.example.echo', 'com.example.echo.admin'],
      program: process.execPath,
      argv0: 'node',
      arguments: ['echo-service.mjs', '--verbose'],
      environment: { ECHO_PREFIX: 'echo: ', LOG_LEVEL: 'debug' },
      workingDirectory: LAYOUT,
      keepAlive: true,
      keepAliveOn: { successfulExit: false, crashed: true },
      runAtLoad: true,
      throttleIntervalSec: 3,
      pressuredExit: true,
      adaptive: true,
      processType: 'Adaptive',
      standardOutPath: '/tmp/com.example.echo.out.log',
      standardErrorPath: join(LAYOUT, 'logs/echo.err.log'),
      idleTimeoutSec: 2.5,
      file: join(LAYOUT, 'LaunchAgents/com.example.echo.plist'),
    } satisfies Job);
  });

  it('gives each job the kind of the folder it sits in and ignores non-plist files', async () => {
    const result = await loadJobsFromDirectory(LAYOUT);
    expect(result.jobs.map((j) => [j.label, j.kind])).toEqual([
      ['com.example.top', 'launch-agent'],
      ['com.example.echo', 'launch-agent'],
      ['com.example.daemon', 'launch-daemon'],
      ['com.example.helper', 'xpc-service'],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('treats Program as the executable and ProgramArguments as the whole argv', async () => {
    const daemon = jobNamed(await loadJobsFromDirectory(LAYOUT), 'com.example.daemon');
    expect(daemon.program).toBe('/usr/bin/env');
    expect(daemon.argv0).toBe('example-daemon');
    expect(daemon.arguments).toEqual(['--system']);
    expect(daemon.keepAliveOn).toBe(true);
    expect(daemon.keepAlive).toBe(true);
    expect(daemon.processType).toBe('Background');
    expect(daemon.adaptive).toBe(false);
  });

  it('uses Program alone as argv[0] when there is no ProgramArguments', async () => {
    const top = jobNamed(await loadJobsFromDirectory(LAYOUT), 'com.example.top');
    expect([top.program, top.argv0, top.arguments]).toEqual(['/bin/true', '/bin/true', []]);
  });

  it('makes an XPC service reachable under its Label, with pressured exit and boosting on by default', async () => {
    const helper = jobNamed(await loadJobsFromDirectory(LAYOUT), 'com.example.helper');
    expect(helper.machServices).toEqual(['com.example.helper']);
    expect(helper.pressuredExit).toBe(true);
    expect(helper.processType).toBe('Adaptive');
    expect(helper.adaptive).toBe(true);
  });
});

describe('defaults and paths', () => {
  it('applies launchd defaults to a launch agent that sets only Label and ProgramArguments', async () => {
    writePlist('LaunchAgents/good.plist', GOOD);
    const job = jobNamed(await loadJobsFromDirectory(dir), 'com.example.good');
    expect(job).toMatchObject({
      machServices: [],
      keepAlive: false,
      keepAliveOn: false,
      runAtLoad: false,
      throttleIntervalSec: 10,
      pressuredExit: false,
      processType: 'Standard',
      adaptive: false,
      environment: {},
    });
    expect(job.workingDirectory).toBeUndefined();
    expect(job.idleTimeoutSec).toBeUndefined();
  });

  it('resolves a relative WorkingDirectory and log paths against the plist directory, keeps absolute ones', async () => {
    writePlist('LaunchDaemons/rel.plist', {
      ...GOOD,
      WorkingDirectory: 'work/here',
      StandardOutPath: 'out.log',
      StandardErrorPath: '/var/tmp/err.log',
    });
    const job = jobNamed(await loadJobsFromDirectory(dir), 'com.example.good');
    expect(job.workingDirectory).toBe(join(dir, 'LaunchDaemons/work/here'));
    expect(job.standardOutPath).toBe(join(dir, 'LaunchDaemons/out.log'));
    expect(job.standardErrorPath).toBe('/var/tmp/err.log');
  });

  it('keeps a KeepAlive dictionary without supported conditions from keeping the job alive', async () => {
    writePlist('a.plist', { ...GOOD, KeepAlive: { NetworkState: true } });
    const result = await loadJobsFromDirectory(dir);
    const job = jobNamed(result, 'com.example.good');
    expect(job.keepAlive).toBe(false);
    expect(job.keepAliveOn).toEqual({});
    expect(result.warnings.map(formatJobWarning)).toEqual([
      `${join(dir, 'a.plist')}: key "KeepAlive": condition "NetworkState" is not supported; ignored`,
    ]);
  });

  it('loads binary plists like XML ones', async () => {
    writeText('LaunchAgents/bin.plist', buildBinary({ ...GOOD, RunAtLoad: true, ThrottleInterval: 4 }));
    const job = jobNamed(await loadJobsFromDirectory(dir), 'com.example.good');
    expect([job.runAtLoad, job.throttleIntervalSec]).toEqual([true, 4]);
  });
});

describe('warnings', () => {
  it('warns about an unknown key naming the file and key, and still loads the job', async () => {
    const file = writePlist('LaunchAgents/u.plist', { ...GOOD, Lable: 'typo' });
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs).toHaveLength(1);
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([{ file, key: 'Lable', message: 'unknown key; ignored' }]);
  });

  it('says a real launchd key such as StartInterval is unsupported rather than unknown', async () => {
    const file = writePlist('u.plist', { ...GOOD, StartInterval: 60 });
    const result = await loadJobsFromDirectory(dir);
    expect(result.warnings).toEqual([{ file, key: 'StartInterval', message: 'launchd key not supported by the embedded runtime; ignored' }]);
  });

  it('warns about MachServices options, which are not implemented', async () => {
    const file = writePlist('u.plist', { ...GOOD, MachServices: { 'com.x': { ResetAtClose: true } } });
    const result = await loadJobsFromDirectory(dir);
    expect(jobNamed(result, 'com.example.good').machServices).toEqual(['com.x']);
    expect(result.warnings).toEqual([{ file, key: 'MachServices', message: 'service "com.x": option "ResetAtClose" is not supported; ignored' }]);
  });

  it('ignores KeepAlive and RunAtLoad on an XPC service, with a warning for each', async () => {
    writePlist('XPCServices/x.plist', { ...GOOD, KeepAlive: true, RunAtLoad: true });
    const result = await loadJobsFromDirectory(dir);
    const job = jobNamed(result, 'com.example.good');
    expect([job.keepAlive, job.keepAliveOn, job.runAtLoad]).toEqual([false, false, false]);
    expect(result.warnings.map((w) => w.key)).toEqual(['KeepAlive', 'RunAtLoad']);
  });
});

describe('a wrong value fails that job alone, naming the file and the key', () => {
  const cases: { key: string; value: PlistValue; error: string }[] = [
    { key: 'Label', value: 42, error: 'expected a string, got integer 42' },
    { key: 'Label', value: '', error: 'expected a non-empty string, got an empty string' },
    { key: 'Program', value: true, error: 'expected a string, got boolean true' },
    { key: 'ProgramArguments', value: '/bin/true', error: 'expected an array of strings, got string "/bin/true"' },
    { key: 'ProgramArguments', value: ['/bin/echo', 5], error: 'item 1: expected a string, got integer 5' },
    { key: 'MachServices', value: ['com.x'], error: 'expected a dictionary, got an array of 1' },
    { key: 'MachServices', value: { 'com.x': false }, error: 'service "com.x": expected true or a dictionary, got boolean false' },
    { key: 'EnvironmentVariables', value: { PORT: 8080 }, error: 'variable "PORT": expected a string, got integer 8080' },
    { key: 'EnvironmentVariables', value: 'A=1', error: 'expected a dictionary, got string "A=1"' },
    { key: 'WorkingDirectory', value: 7, error: 'expected a string, got integer 7' },
    { key: 'KeepAlive', value: 'yes', error: 'expected a boolean or a dictionary, got string "yes"' },
    { key: 'KeepAlive', value: { SuccessfulExit: 'no' }, error: 'condition "SuccessfulExit": expected a boolean, got string "no"' },
    { key: 'KeepAlive', value: { Crashed: 1 }, error: 'condition "Crashed": expected a boolean, got integer 1' },
    { key: 'RunAtLoad', value: 'true', error: 'expected a boolean, got string "true"' },
    { key: 'ThrottleInterval', value: 'ten', error: 'expected an integer, got string "ten"' },
    { key: 'ThrottleInterval', value: 1.5, error: 'expected an integer, got real 1.5' },
    { key: 'ThrottleInterval', value: -1, error: 'expected a non-negative integer, got integer -1' },
    { key: 'EnablePressuredExit', value: 1, error: 'expected a boolean, got integer 1' },
    { key: 'ProcessType', value: 'Fast', error: 'expected one of "Background", "Standard", "Adaptive", "Interactive", got string "Fast"' },
    { key: 'ProcessType', value: 3, error: 'expected one of "Background", "Standard", "Adaptive", "Interactive", got integer 3' },
    { key: 'StandardOutPath', value: { a: 'b' }, error: 'expected a string, got a dictionary' },
    { key: 'StandardErrorPath', value: false, error: 'expected a string, got boolean false' },
    { key: 'XPCInspectorIdleTimeout', value: 'soon', error: 'expected a positive number of seconds, got string "soon"' },
    { key: 'XPCInspectorIdleTimeout', value: 0, error: 'expected a positive number of seconds, got integer 0' },
  ];

  it.each(cases)('$key = $value', async ({ key, value, error }) => {
    writePlist('LaunchAgents/com.example.good.plist', { Label: 'com.example.ok', ProgramArguments: ['/bin/true'] });
    const file = writePlist('LaunchAgents/com.example.echo.plist', { Label: 'com.example.echo', Program: '/bin/true', [key]: value });
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.ok']);
    expect(result.failures).toEqual([{ file, key, error: `${file}: key "${key}": ${error}` }]);
  });

  it('reads the example from the docs word for word', () => {
    const xml = build({ Label: 'com.example.echo', Program: '/bin/true', ThrottleInterval: 'ten' });
    const parsed = parseJobPlist(xml, 'jobs/LaunchAgents/com.example.echo.plist', 'launch-agent');
    expect(parsed.job).toBeUndefined();
    expect(parsed.failure?.error).toBe('jobs/LaunchAgents/com.example.echo.plist: key "ThrottleInterval": expected an integer, got string "ten"');
  });

  it('fails a job without a Label', async () => {
    const file = writePlist('a.plist', { ProgramArguments: ['/bin/true'] });
    const result = await loadJobsFromDirectory(dir);
    expect(result.failures).toEqual([{ file, key: 'Label', error: `${file}: key "Label": missing; every job needs a "Label" string` }]);
  });

  it('fails a job with neither Program nor ProgramArguments', async () => {
    const file = writePlist('a.plist', { Label: 'x' });
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure).toEqual({
      file,
      key: 'ProgramArguments',
      error: `${file}: key "ProgramArguments": missing; a job needs "Program" or "ProgramArguments"`,
    });
  });

  it('fails a job whose ProgramArguments is empty and has no Program', async () => {
    const file = writePlist('a.plist', { Label: 'x', ProgramArguments: [] });
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure?.error).toBe(`${file}: key "ProgramArguments": is empty and there is no "Program"`);
  });

  it('fails a plist whose top level is not a dictionary', async () => {
    const file = writePlist('a.plist', ['Label', 'x']);
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure).toEqual({ file, error: `${file}: expected a dictionary at the top level, got an array of 2` });
  });
});

describe('broken files', () => {
  it('fails a malformed XML file alone, with the file name and the parser message and position', async () => {
    writePlist('LaunchAgents/com.example.good.plist', GOOD);
    const file = writeText(
      'LaunchAgents/com.example.bad.plist',
      '<?xml version="1.0"?>\n<plist version="1.0">\n<dict>\n  <key>Label</key>\n  <string>bad</strin>\n</dict>\n</plist>\n',
    );
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.good']);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.file).toBe(file);
    expect(result.failures[0]?.error).toMatch(
      new RegExp(`^${escapeRegExp(file)}: malformed XML: Opening and ending tag mismatch: "string" != "strin" \\(line 5, column \\d+\\)$`),
    );
  });

  it('fails a file that is cut short', async () => {
    const file = writeText('a.plist', '<?xml version="1.0"?><plist><dict><key>Label</key><string>x</string></dict>');
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure?.error).toMatch(new RegExp(`^${escapeRegExp(file)}: malformed XML: unclosed xml tag\\(s\\): plist`));
  });

  it('fails XML that the parser could recover from but launchd would not (an undefined entity)', async () => {
    const file = writeText('a.plist', '<?xml version="1.0"?><plist><dict><key>Label</key><string>a &bogus; b</string></dict></plist>');
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure?.error).toMatch(new RegExp(`^${escapeRegExp(file)}: malformed XML: entity not found:&bogus;`));
  });

  it('fails a plist with an element that is not a plist type', async () => {
    const file = writeText('a.plist', '<?xml version="1.0"?><plist><dict><key>Label</key><label>x</label></dict></plist>');
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure?.error).toBe(`${file}: malformed XML: Invalid PLIST tag label`);
  });

  it('fails an empty file and a file that is not UTF-8', async () => {
    const empty = writeText('a.plist', '');
    const binary = writeText('b.plist', new Uint8Array([0x3c, 0xff, 0xfe, 0x00]));
    const errors = (await loadJobsFromDirectory(dir)).failures.map((f) => f.error);
    expect(errors).toEqual([`${empty}: malformed plist: the file is empty`, `${binary}: malformed plist: the file is not valid UTF-8`]);
  });

  it('refuses a file above the size limit without parsing it', async () => {
    const file = writeText('a.plist', ' '.repeat(MAX_PLIST_BYTES + 1));
    const [failure] = (await loadJobsFromDirectory(dir)).failures;
    expect(failure?.error).toBe(`${file}: file is ${MAX_PLIST_BYTES + 1} bytes; job plists are limited to ${MAX_PLIST_BYTES} bytes (refused without reading it)`);
  });

  it('refuses a 1.9 GiB (sparse) plist by its size from stat, without reading it into memory', async () => {
    writePlist('good.plist', GOOD);
    const file = writeText('huge.plist', '');
    const size = Math.floor(1.9 * 2 ** 30);
    truncateSync(file, size); // sparse: no disk used
    const peakBefore = process.resourceUsage().maxRSS; // KiB
    const started = performance.now();
    const result = await loadJobsFromDirectory(dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect((process.resourceUsage().maxRSS - peakBefore) * 1024).toBeLessThan(200 * 2 ** 20);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.good']);
    expect(result.failures).toEqual([
      { file, error: `${file}: file is ${size} bytes; job plists are limited to ${MAX_PLIST_BYTES} bytes (refused without reading it)` },
    ]);
  });

  it('fails a corrupt binary plist alone', async () => {
    writePlist('good.plist', GOOD);
    const file = writeText('x.plist', new TextEncoder().encode('bplist00garbage'));
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs).toHaveLength(1);
    expect(result.failures[0]?.error).toMatch(new RegExp(`^${escapeRegExp(file)}: malformed binary plist: `));
  });

  it('fails a tiny binary plist whose shared references expand exponentially, alone and quickly', async () => {
    writePlist('LaunchAgents/good.plist', GOOD);
    // { Label: "com.example.bomb", ProgramArguments: 14 × 14 × … (12 levels) × "x" }
    const objects: RawObject[] = [dictObject([[1, 2], [3, 16]]), asciiObject('Label'), asciiObject('com.example.bomb'), asciiObject('ProgramArguments'), asciiObject('x')];
    for (let level = 1; level <= 12; level++) objects.push(arrayObject(Array.from({ length: 14 }, () => objects.length - 1)));
    const file = writeText('LaunchAgents/bomb.plist', assembleBinaryPlist(objects));
    expect(objects.length).toBe(17);
    const started = performance.now();
    const result = await loadJobsFromDirectory(dir);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.good']);
    expect(result.failures).toEqual([
      { file, error: `${file}: binary plist refused: expands to more than 100000 values (shared references count once per use); job plists are limited to that` },
    ]);
  });

  it('refuses XML nested deeper than 64 containers at once, instead of recursing until the stack overflows', async () => {
    writePlist('good.plist', GOOD);
    const levels = 60_000; // 900 kB, under the size limit
    const file = writeText('deep.plist', `<?xml version="1.0"?><plist>${'<array>'.repeat(levels)}${'</array>'.repeat(levels)}</plist>`);
    const started = performance.now();
    const result = await loadJobsFromDirectory(dir);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.good']);
    expect(result.failures).toEqual([{ file, error: `${file}: plist refused: nests deeper than 64 levels; job plists are limited to that` }]);
  });

  it('accepts XML nested exactly 64 containers deep', async () => {
    const nested = '<array>'.repeat(62) + '<string>x</string>' + '</array>'.repeat(62);
    writeText('a.plist', `<?xml version="1.0"?><plist><dict><key>Label</key><string>deep</string><key>Program</key><string>/bin/true</string><key>Deep</key><array>${nested}</array></dict></plist>`);
    const result = await loadJobsFromDirectory(dir);
    expect(result.failures).toEqual([]);
    expect(result.jobs.map((j) => j.label)).toEqual(['deep']);
  });

  it('fails a binary plist that contains itself, alone, naming the file and the cycle', async () => {
    writePlist('good.plist', GOOD);
    const file = writeText('loop.plist', assembleBinaryPlist([dictObject([[1, 2], [3, 0]]), asciiObject('Label'), asciiObject('loop'), asciiObject('KeepAlive')]));
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.label)).toEqual(['com.example.good']);
    expect(result.failures).toEqual([{ file, error: `${file}: malformed binary plist: object 0 contains itself (a reference cycle)` }]);
  });

  it('reports a jobs directory that does not exist', async () => {
    const missing = join(dir, 'nope');
    const result = await loadJobsFromDirectory(missing);
    expect(result.jobs).toEqual([]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.error).toMatch(new RegExp(`^${escapeRegExp(missing)}: cannot read the jobs directory: ENOENT`));
  });

  it('skips a folder whose name ends in .plist', async () => {
    mkdirSync(join(dir, 'LaunchAgents/folder.plist'), { recursive: true });
    writePlist('LaunchAgents/good.plist', GOOD);
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs).toHaveLength(1);
    expect(result.failures).toEqual([]);
  });
});

describe('conflicts between jobs', () => {
  it('fails the later of two jobs with the same Label, naming both files', async () => {
    const first = writePlist('LaunchAgents/a.plist', { ...GOOD });
    const second = writePlist('LaunchDaemons/a.plist', { ...GOOD });
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.file)).toEqual([first]);
    expect(result.failures).toEqual([
      {
        file: second,
        key: 'Label',
        error: `${second}: key "Label": "com.example.good" is already the label of the job in ${first}; this job is not loaded`,
      },
    ]);
  });

  it('fails the later of two jobs claiming the same MachService, naming both files', async () => {
    const first = writePlist('LaunchAgents/a.plist', { Label: 'a', Program: '/bin/true', MachServices: { 'com.shared': true } });
    const second = writePlist('LaunchAgents/b.plist', { Label: 'b', Program: '/bin/true', MachServices: { 'com.other': true, 'com.shared': true } });
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.label)).toEqual(['a']);
    expect(result.failures[0]).toEqual({
      file: second,
      key: 'MachServices',
      error: `${second}: key "MachServices": service "com.shared" is already claimed by job "a" in ${first}; this job is not loaded`,
    });
  });

  it("counts an XPC service's default service name (its Label) as a claim", async () => {
    writePlist('LaunchAgents/a.plist', { Label: 'agent', Program: '/bin/true', MachServices: { 'com.helper': true } });
    const second = writePlist('XPCServices/h.plist', { Label: 'com.helper', Program: '/bin/true' });
    const result = await loadJobsFromDirectory(dir);
    expect(result.jobs.map((j) => j.label)).toEqual(['agent']);
    expect(result.failures.map((f) => [f.file, f.key])).toEqual([[second, 'MachServices']]);
  });
});

describe('parseJobPlist', () => {
  it('returns warnings as one line each, naming the file and key', () => {
    const parsed = parseJobPlist(build({ ...GOOD, Foo: 1 }), 'jobs/x.plist', 'launch-daemon');
    expect(parsed.job?.kind).toBe('launch-daemon');
    expect(parsed.warnings).toEqual(['jobs/x.plist: key "Foo": unknown key; ignored']);
  });

  it('returns a failure naming the file for text that is not XML', () => {
    const parsed = parseJobPlist('hello', 'jobs/x.plist', 'launch-agent');
    expect(parsed.job).toBeUndefined();
    expect(parsed.failure?.file).toBe('jobs/x.plist');
    expect(parsed.failure?.error).toMatch(/^jobs\/x\.plist: malformed XML: /);
  });

  it('does not print XML parser diagnostics to the console', () => {
    const original = console.error;
    const printed: unknown[] = [];
    console.error = (...args: unknown[]) => printed.push(args);
    try {
      parseJobPlist('<plist><dict><key>Label</key></strin></plist>', 'x.plist', 'launch-agent');
    } finally {
      console.error = original;
    }
    expect(printed).toEqual([]);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
