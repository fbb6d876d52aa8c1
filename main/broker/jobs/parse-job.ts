/**
 * One launchd.plist → one Job. Every key is checked on its own: a wrong type fails this job alone
 * with the file and the key in the message; a key we do not know (or know but do not implement)
 * is a warning, never a failure.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { PlistValue } from 'plist';
import type { ServiceKind } from '../../../app/events/schema';
import {
  formatJobWarning,
  LAUNCHD_PROCESS_TYPES,
  type Job,
  type JobLoadFailure,
  type JobLoadWarning,
  type KeepAliveConditions,
  type LaunchdProcessType,
} from './job';
import { describePlistValue, isPlistDict, isPlistInteger, type PlistDict } from './plist-value';
import { readPlistText } from './read-plist';
import { LAUNCHD_KEYS_NOT_SUPPORTED } from './unsupported-keys';

/** launchd's default ThrottleInterval. */
export const DEFAULT_THROTTLE_INTERVAL_SEC = 10;

/** ProgramArguments[0] (or Program) spelled like this means "the Node runtime the broker runs on". */
export const BROKER_NODE_PROGRAM = 'node';

/** The job-level idle timeout key (not a launchd key) used by tests and demos. */
export const IDLE_TIMEOUT_KEY = 'XPCInspectorIdleTimeout';

export interface ParsedJob {
  readonly job?: Job;
  readonly failure?: JobLoadFailure;
  readonly warnings: JobLoadWarning[];
}

/** Parses the XML text of one plist; `file` is only used to name the file in messages. */
export function parseJobPlist(
  xml: string,
  file: string,
  kind: ServiceKind,
): { job?: Job; failure?: JobLoadFailure; warnings: string[] } {
  const read = readPlistText(xml);
  if (!read.ok) return { failure: { file, error: `${file}: ${read.error}` }, warnings: [] };
  const parsed = interpretJobPlist(read.value, file, kind);
  return {
    ...(parsed.job ? { job: parsed.job } : {}),
    ...(parsed.failure ? { failure: parsed.failure } : {}),
    warnings: parsed.warnings.map(formatJobWarning),
  };
}

/** Turns an already-parsed plist value into a job (shared by the XML and binary paths). */
export function interpretJobPlist(value: PlistValue, file: string, kind: ServiceKind): ParsedJob {
  const warnings: JobLoadWarning[] = [];
  if (!isPlistDict(value)) {
    return { failure: { file, error: `${file}: expected a dictionary at the top level, got ${describePlistValue(value)}` }, warnings };
  }
  const context: Context = { kind, baseDir: dirname(resolve(file)), warn: (key, message) => warnings.push({ file, key, message }) };
  try {
    return { job: buildJob(value, file, context), warnings };
  } catch (e) {
    if (!(e instanceof KeyProblem)) throw e;
    return { failure: { file, key: e.key, error: `${file}: key "${e.key}": ${e.detail}` }, warnings };
  }
}

/** A key whose value is wrong; fails the job it belongs to. */
class KeyProblem extends Error {
  constructor(
    readonly key: string,
    readonly detail: string,
  ) {
    super(`key "${key}": ${detail}`);
  }
}

interface Context {
  readonly kind: ServiceKind;
  /** Absolute directory of the plist, for relative paths. */
  readonly baseDir: string;
  warn(key: string, message: string): void;
}

interface Draft {
  label?: string;
  program?: string;
  programArguments?: string[];
  machServices?: string[];
  environment: Record<string, string>;
  workingDirectory?: string;
  keepAliveOn?: KeepAliveConditions | boolean;
  runAtLoad?: boolean;
  throttleIntervalSec?: number;
  pressuredExit?: boolean;
  processType?: LaunchdProcessType;
  standardOutPath?: string;
  standardErrorPath?: string;
  idleTimeoutSec?: number;
}

type KeyHandler = (value: PlistValue, draft: Draft, context: Context) => void;

const KEY_HANDLERS = new Map<string, KeyHandler>([
  ['Label', (v, d) => void (d.label = expectNonEmptyString('Label', v))],
  ['Program', (v, d) => void (d.program = expectNonEmptyString('Program', v))],
  ['ProgramArguments', (v, d) => void (d.programArguments = expectStringArray('ProgramArguments', v))],
  ['MachServices', (v, d, c) => void (d.machServices = readMachServices(v, c))],
  ['EnvironmentVariables', (v, d) => void (d.environment = readEnvironment(v))],
  ['WorkingDirectory', (v, d, c) => void (d.workingDirectory = resolvePath('WorkingDirectory', v, c))],
  ['KeepAlive', (v, d, c) => void (d.keepAliveOn = readKeepAlive(v, c))],
  ['RunAtLoad', (v, d) => void (d.runAtLoad = expectBoolean('RunAtLoad', v))],
  ['ThrottleInterval', (v, d) => void (d.throttleIntervalSec = expectNonNegativeInteger('ThrottleInterval', v))],
  ['EnablePressuredExit', (v, d) => void (d.pressuredExit = expectBoolean('EnablePressuredExit', v))],
  ['ProcessType', (v, d) => void (d.processType = readProcessType(v))],
  ['StandardOutPath', (v, d, c) => void (d.standardOutPath = resolvePath('StandardOutPath', v, c))],
  ['StandardErrorPath', (v, d, c) => void (d.standardErrorPath = resolvePath('StandardErrorPath', v, c))],
  [IDLE_TIMEOUT_KEY, (v, d) => void (d.idleTimeoutSec = expectPositiveSeconds(IDLE_TIMEOUT_KEY, v))],
]);

function buildJob(dict: PlistDict, file: string, context: Context): Job {
  const draft: Draft = { environment: {} };
  for (const key of Object.keys(dict)) {
    const handler = KEY_HANDLERS.get(key);
    const value = dict[key];
    if (handler && value !== undefined) handler(value, draft, context);
    else if (LAUNCHD_KEYS_NOT_SUPPORTED.has(key)) context.warn(key, 'launchd key not supported by the embedded runtime; ignored');
    else context.warn(key, 'unknown key; ignored');
  }

  const label = draft.label;
  if (label === undefined) throw new KeyProblem('Label', 'missing; every job needs a "Label" string');
  const argv = commandLine(draft);
  const isXpcService = context.kind === 'xpc-service';

  let keepAliveOn = draft.keepAliveOn ?? false;
  let runAtLoad = draft.runAtLoad ?? false;
  if (isXpcService) {
    // One process per client, tied to that client's life: nothing to keep alive or start at load.
    if (keepAliveOn !== false) context.warn('KeepAlive', 'has no effect on XPC services (one process per client); ignored');
    if (runAtLoad) context.warn('RunAtLoad', 'has no effect on XPC services (one process per client); ignored');
    keepAliveOn = false;
    runAtLoad = false;
  }
  // XPC services get pressured exit and boosting by default (xpc_main(3)); launchd jobs opt in.
  const processType = draft.processType ?? (isXpcService ? 'Adaptive' : 'Standard');
  const machServices = draft.machServices ?? (isXpcService ? [label] : []);

  return {
    label,
    kind: context.kind,
    machServices,
    program: argv.program,
    argv0: argv.argv0,
    arguments: argv.args,
    keepAlive: keepAliveOn === true || (typeof keepAliveOn === 'object' && hasCondition(keepAliveOn)),
    keepAliveOn,
    runAtLoad,
    throttleIntervalSec: draft.throttleIntervalSec ?? DEFAULT_THROTTLE_INTERVAL_SEC,
    pressuredExit: draft.pressuredExit ?? isXpcService,
    adaptive: processType === 'Adaptive',
    processType,
    environment: draft.environment,
    file,
    ...(draft.workingDirectory !== undefined ? { workingDirectory: draft.workingDirectory } : {}),
    ...(draft.standardOutPath !== undefined ? { standardOutPath: draft.standardOutPath } : {}),
    ...(draft.standardErrorPath !== undefined ? { standardErrorPath: draft.standardErrorPath } : {}),
    ...(draft.idleTimeoutSec !== undefined ? { idleTimeoutSec: draft.idleTimeoutSec } : {}),
  };
}

/**
 * launchd semantics: Program is the executable when present, otherwise ProgramArguments[0] (which
 * the OS looks up on PATH like execvp); ProgramArguments is the whole argv, argv[0] included.
 */
function commandLine(draft: Draft): { program: string; argv0: string; args: string[] } {
  const argv = draft.programArguments;
  if (draft.program === undefined) {
    if (argv === undefined) throw new KeyProblem('ProgramArguments', 'missing; a job needs "Program" or "ProgramArguments"');
    const [first, ...rest] = argv;
    if (first === undefined) throw new KeyProblem('ProgramArguments', 'is empty and there is no "Program"');
    if (first === '') throw new KeyProblem('ProgramArguments', 'item 0 (the program) is an empty string');
    return { program: brokerRuntimeFor(first), argv0: first, args: rest };
  }
  const [first, ...rest] = argv ?? [draft.program];
  return { program: brokerRuntimeFor(draft.program), argv0: first ?? draft.program, args: rest };
}

function brokerRuntimeFor(program: string): string {
  return program === BROKER_NODE_PROGRAM ? process.execPath : program;
}

function hasCondition(c: KeepAliveConditions): boolean {
  return c.successfulExit !== undefined || c.crashed !== undefined;
}

// ---- value readers: each throws KeyProblem naming its key ---------------------------------------

function expectString(key: string, v: PlistValue): string {
  if (typeof v !== 'string') throw new KeyProblem(key, `expected a string, got ${describePlistValue(v)}`);
  return v;
}

function expectNonEmptyString(key: string, v: PlistValue): string {
  const s = expectString(key, v);
  if (s === '') throw new KeyProblem(key, 'expected a non-empty string, got an empty string');
  return s;
}

function expectBoolean(key: string, v: PlistValue): boolean {
  if (typeof v !== 'boolean') throw new KeyProblem(key, `expected a boolean, got ${describePlistValue(v)}`);
  return v;
}

function expectNonNegativeInteger(key: string, v: PlistValue): number {
  if (!isPlistInteger(v)) throw new KeyProblem(key, `expected an integer, got ${describePlistValue(v)}`);
  if (v < 0) throw new KeyProblem(key, `expected a non-negative integer, got ${describePlistValue(v)}`);
  return v;
}

function expectPositiveSeconds(key: string, v: PlistValue): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new KeyProblem(key, `expected a positive number of seconds, got ${describePlistValue(v)}`);
  }
  return v;
}

function expectDict(key: string, v: PlistValue): PlistDict {
  if (!isPlistDict(v)) throw new KeyProblem(key, `expected a dictionary, got ${describePlistValue(v)}`);
  return v;
}

function expectStringArray(key: string, v: PlistValue): string[] {
  if (!Array.isArray(v)) throw new KeyProblem(key, `expected an array of strings, got ${describePlistValue(v)}`);
  return v.map((item: PlistValue, i: number) => {
    if (typeof item !== 'string') throw new KeyProblem(key, `item ${i}: expected a string, got ${describePlistValue(item)}`);
    return item;
  });
}

function resolvePath(key: string, v: PlistValue, context: Context): string {
  const path = expectNonEmptyString(key, v);
  return isAbsolute(path) ? path : resolve(context.baseDir, path);
}

function readProcessType(v: PlistValue): LaunchdProcessType {
  const found = typeof v === 'string' ? LAUNCHD_PROCESS_TYPES.find((t) => t === v) : undefined;
  if (found === undefined) {
    const allowed = LAUNCHD_PROCESS_TYPES.map((t) => `"${t}"`).join(', ');
    throw new KeyProblem('ProcessType', `expected one of ${allowed}, got ${describePlistValue(v)}`);
  }
  return found;
}

/** MachServices: name → true, or name → dictionary of per-service options (none implemented). */
function readMachServices(v: PlistValue, context: Context): string[] {
  const dict = expectDict('MachServices', v);
  const names: string[] = [];
  for (const name of Object.keys(dict)) {
    const entry = dict[name];
    if (name === '') throw new KeyProblem('MachServices', 'a service name is an empty string');
    if (entry === true) {
      names.push(name);
    } else if (entry !== undefined && isPlistDict(entry)) {
      for (const option of Object.keys(entry)) {
        context.warn('MachServices', `service "${name}": option "${option}" is not supported; ignored`);
      }
      names.push(name);
    } else {
      const got = entry === undefined ? 'nothing' : describePlistValue(entry);
      throw new KeyProblem('MachServices', `service "${name}": expected true or a dictionary, got ${got}`);
    }
  }
  return names;
}

function readEnvironment(v: PlistValue): Record<string, string> {
  const dict = expectDict('EnvironmentVariables', v);
  const env: Record<string, string> = {};
  for (const name of Object.keys(dict)) {
    const value = dict[name];
    if (typeof value !== 'string') {
      const got = value === undefined ? 'nothing' : describePlistValue(value);
      throw new KeyProblem('EnvironmentVariables', `variable "${name}": expected a string, got ${got}`);
    }
    if (name === '' || name.includes('=')) {
      throw new KeyProblem('EnvironmentVariables', `variable ${JSON.stringify(name)}: not a valid variable name`);
    }
    env[name] = value;
  }
  return env;
}

/** KeepAlive: a boolean, or a dictionary of which SuccessfulExit and Crashed are honoured. */
function readKeepAlive(v: PlistValue, context: Context): KeepAliveConditions | boolean {
  if (typeof v === 'boolean') return v;
  if (!isPlistDict(v)) throw new KeyProblem('KeepAlive', `expected a boolean or a dictionary, got ${describePlistValue(v)}`);
  let successfulExit: boolean | undefined;
  let crashed: boolean | undefined;
  for (const condition of Object.keys(v)) {
    const value = v[condition];
    if (value === undefined) continue;
    if (condition === 'SuccessfulExit' || condition === 'Crashed') {
      if (typeof value !== 'boolean') {
        throw new KeyProblem('KeepAlive', `condition "${condition}": expected a boolean, got ${describePlistValue(value)}`);
      }
      if (condition === 'SuccessfulExit') successfulExit = value;
      else crashed = value;
    } else {
      context.warn('KeepAlive', `condition "${condition}" is not supported; ignored`);
    }
  }
  return { ...(successfulExit !== undefined ? { successfulExit } : {}), ...(crashed !== undefined ? { crashed } : {}) };
}
