/**
 * The probe as macOS loads it, built on any host: `make -C native-probe macos` cross-compiles and
 * links it with Zig for arm64 and x86_64 and joins the slices into a universal dylib, which is
 * read here with the project's own Mach-O reader (test/macho.ts) and checked against what dyld
 * needs: the install name, macOS 12.0 as the deployment target, libSystem as the only library, a
 * __interpose section with one (replacement, original) pair per line of interpose/interposed.def
 * (each original bound to libxpc's function in libSystem, weak when newer than macOS 12.0; each
 * replacement one of the dylib's own functions), and a valid code signature on arm64.
 *
 * A missing toolchain fails the test with what to install; XPC_INSPECTOR_SKIP_MACOS_BUILD=1 skips
 * it, and says so.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBE_DIR } from './test/compile';
import { isLater, readInterposedDef, type Interposed } from './test/interposed';
import {
  archName,
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  dylibOrdinal,
  FAT_MAGIC,
  findSection,
  LC,
  MH_DYLIB,
  parseCodeSignature,
  PLATFORM_MACOS,
  readMachOFile,
  resolvePointer,
  S_ATTR_PURE_INSTRUCTIONS,
  S_ATTR_SOME_INSTRUCTIONS,
  sectionOfSymbol,
  symbolsAt,
  type MachFile,
  type MachSlice,
} from './test/macho';
import { macosToolchainProblem, makeMacos, sdkMacosSince, zigLibDir } from './test/zig';

const SKIP = process.env['XPC_INSPECTOR_SKIP_MACOS_BUILD'] === '1';
if (SKIP) console.warn('native-probe/macos-build.test.ts skipped: XPC_INSPECTOR_SKIP_MACOS_BUILD=1 (the probe was not built for macOS nor checked)');

const UNIVERSAL = join(PROBE_DIR, 'build', 'libxpcinspectorprobe.dylib');
const THIN = (arch: string): string => join(PROBE_DIR, 'build', 'macos', arch, 'libxpcinspectorprobe.dylib');
const INSTALL_NAME = '@rpath/libxpcinspectorprobe.dylib';
const LIBSYSTEM = '/usr/lib/libSystem.B.dylib';
const DEPLOYMENT_TARGET = { major: 12, minor: 0 };
const ARCHES = ['arm64', 'x86_64'] as const;
/** log2 of the slice alignment in the fat header: the page size of each architecture. */
const FAT_ALIGN: Record<(typeof ARCHES)[number], number> = { arm64: 14, x86_64: 12 };
const MH_TWOLEVEL = 0x80;

function sliceOf(file: MachFile, arch: string): MachSlice {
  const slice = file.slices.find((s) => s.arch === arch);
  if (slice === undefined) throw new Error(`${file.file}: no ${arch} slice (slices: ${file.slices.map((s) => s.arch).join(', ')})`);
  return slice;
}

const hex = (n: bigint | number): string => `0x${n.toString(16)}`;

function libSystemOrdinal(slice: MachSlice): number {
  const ordinal = dylibOrdinal(slice, LIBSYSTEM);
  if (ordinal === undefined) throw new Error(`${slice.arch}: no LC_LOAD_DYLIB of ${LIBSYSTEM} (loads: ${slice.dylibs.map((d) => d.name).join(', ') || 'nothing'})`);
  return ordinal;
}

interface Pair {
  readonly index: number;
  readonly original: string | undefined;
  readonly replacement: string | undefined;
  readonly problems: readonly string[];
}

/** Reads the __interpose section as dyld does: 16-byte (replacement, original) pairs. */
function interposePairs(slice: MachSlice): { pairs: Pair[]; sizeProblem: string | undefined } {
  const section = findSection(slice, '__DATA', '__interpose') ?? findSection(slice, '__DATA_CONST', '__interpose');
  if (section === undefined) throw new Error(`${slice.arch}: no __DATA,__interpose (or __DATA_CONST,__interpose) section`);
  const sizeProblem = section.size % 16n !== 0n ? `__interpose is ${section.size} bytes, not a whole number of 16-byte pairs` : undefined;
  const libSystem = libSystemOrdinal(slice);
  const pairs: Pair[] = [];
  for (let i = 0; 16n * BigInt(i + 1) <= section.size; i++) {
    const at = section.addr + 16n * BigInt(i);
    const problems: string[] = [];

    let original: string | undefined;
    const o = resolvePointer(slice, at + 8n);
    if (o.kind !== 'bind') {
      problems.push(`original at ${hex(at + 8n)} is not bound to an imported symbol (${o.kind === 'rebase' ? `it points into the dylib, ${hex(o.target)}` : `raw ${hex(o.raw)}`})`);
    } else {
      original = o.bind.symbol;
      if (o.bind.ordinal !== libSystem) problems.push(`original ${o.bind.symbol} is bound to dylib ordinal ${o.bind.ordinal}, not libSystem's (${libSystem})`);
      if (o.bind.addend !== 0n) problems.push(`original ${o.bind.symbol} has addend ${o.bind.addend}`);
    }

    let replacement: string | undefined;
    const r = resolvePointer(slice, at);
    if (r.kind === 'bind') {
      problems.push(`replacement at ${hex(at)} is an import (${r.bind.symbol}), not a function of the dylib`);
    } else if (r.kind === 'none') {
      problems.push(`replacement at ${hex(at)} has no rebase (raw ${hex(r.raw)}): dyld would not slide it`);
    } else {
      const functions = symbolsAt(slice, r.target).filter((s) => {
        const section = sectionOfSymbol(slice, s);
        return section !== undefined && (section.flags & (S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS)) !== 0;
      });
      if (functions.length === 0) {
        problems.push(`replacement at ${hex(at)} points to ${hex(r.target)}, where the symbol table has no function`);
      } else {
        replacement = functions.map((s) => s.name).join('|');
        if (original !== undefined && functions.some((s) => s.name === original)) problems.push(`replacement of ${original} is ${original} itself`);
      }
    }
    pairs.push({ index: i, original, replacement, problems });
  }
  return { pairs, sizeProblem };
}

function expectedWeak(entry: Interposed): boolean {
  return isLater(entry.macosSince, DEPLOYMENT_TARGET);
}

describe.skipIf(SKIP)('the probe built for macOS by Zig (make -C native-probe macos)', () => {
  const interposed = readInterposedDef();
  let file: MachFile;

  beforeAll(() => {
    const problem = macosToolchainProblem();
    if (problem !== undefined) throw new Error(`cannot build the probe for macOS: ${problem}. (XPC_INSPECTOR_SKIP_MACOS_BUILD=1 skips this test.)`);
    makeMacos();
    file = readMachOFile(UNIVERSAL);
  }, 600_000);

  it('is a universal file of exactly an arm64 and an x86_64 slice, each its thin build byte for byte at a page-aligned offset', () => {
    expect(file.fatMagic).toBe(FAT_MAGIC);
    expect(file.slices.map((s) => s.arch).sort()).toEqual([...ARCHES]);
    const bytes = readFileSync(UNIVERSAL);
    for (const [i, arch] of (file.fat ?? []).entries()) {
      const name = archName(arch.cputype, arch.cpusubtype) as (typeof ARCHES)[number];
      expect(arch.cputype).toBe(name === 'arm64' ? CPU_TYPE_ARM64 : CPU_TYPE_X86_64);
      expect(arch.align, `fat_arch ${i} (${name}) align`).toBe(FAT_ALIGN[name]);
      expect(arch.offset % 2 ** FAT_ALIGN[name], `fat_arch ${i} (${name}) offset ${hex(arch.offset)}`).toBe(0);
      const thin = readFileSync(THIN(name));
      expect(arch.size).toBe(thin.length);
      expect(Buffer.compare(bytes.subarray(arch.offset, arch.offset + arch.size), thin), `${name} slice = ${THIN(name)}`).toBe(0);
    }
  });

  describe.each(ARCHES)('the %s slice', (arch) => {
    it(`is a two-level-namespace MH_DYLIB named ${INSTALL_NAME}, for macOS 12.0, loading ${LIBSYSTEM} and nothing else`, () => {
      const slice = sliceOf(file, arch);
      expect(slice.filetype).toBe(MH_DYLIB);
      expect(slice.flags & MH_TWOLEVEL).toBe(MH_TWOLEVEL);
      expect(slice.idDylib?.name).toBe(INSTALL_NAME);
      const minos = slice.buildVersion !== undefined ? { platform: slice.buildVersion.platform, minos: slice.buildVersion.minosText } : slice.versionMinMacos !== undefined ? { platform: PLATFORM_MACOS, minos: slice.versionMinMacos.versionText } : undefined;
      expect(minos, 'LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX').toEqual({ platform: PLATFORM_MACOS, minos: `${DEPLOYMENT_TARGET.major}.${DEPLOYMENT_TARGET.minor}` });
      expect(slice.dylibs.map((d) => [d.cmd === LC.LOAD_DYLIB ? 'LC_LOAD_DYLIB' : hex(d.cmd), d.name])).toEqual([['LC_LOAD_DYLIB', LIBSYSTEM]]);
    });

    it('has one __interpose pair per function of interposed.def: the original bound to _<function> in libSystem, the replacement a function of the dylib', () => {
      const slice = sliceOf(file, arch);
      const { pairs, sizeProblem } = interposePairs(slice);
      expect(sizeProblem).toBeUndefined();
      expect(pairs.flatMap((p) => p.problems.map((problem) => `pair ${p.index}: ${problem}`))).toEqual([]);

      const wanted = interposed.map((e) => `_${e.fn}`);
      const found = pairs.map((p) => p.original ?? `<pair ${p.index}>`);
      const counts = new Map<string, number>();
      for (const name of found) counts.set(name, (counts.get(name) ?? 0) + 1);
      expect({
        missing: wanted.filter((w) => !counts.has(w)),
        notInDef: [...counts.keys()].filter((f) => !wanted.includes(f)),
        moreThanOnce: [...counts].filter(([, n]) => n > 1).map(([name]) => name),
      }).toEqual({ missing: [], notInDef: [], moreThanOnce: [] });
      expect(pairs.length, `__interpose pairs (interposed.def lists ${interposed.length})`).toBe(interposed.length);
      for (const p of pairs) expect(p.replacement, `replacement of ${p.original}`).toMatch(/^_\w+$/);
    });

    it('weak-imports exactly the functions of interposed.def newer than macOS 12.0 (bind flags and nlist N_WEAK_REF)', () => {
      const slice = sliceOf(file, arch);
      const mismatches: string[] = [];
      for (const entry of interposed) {
        const symbol = `_${entry.fn}`;
        const weak = expectedWeak(entry);
        const binds = slice.binds.filter((b) => b.symbol === symbol && b.source !== 'weak_bind');
        if (binds.length === 0) mismatches.push(`${symbol}: not bound at all`);
        for (const b of binds) {
          if (b.weakImport !== weak) mismatches.push(`${symbol} (macOS ${entry.macosSinceText}): ${b.source} at ${hex(b.address)} is ${b.weakImport ? 'weak' : 'not weak'}`);
        }
        const undefinedSymbols = slice.symbols.filter((s) => s.kind === 'undefined' && s.name === symbol);
        if (undefinedSymbols.length !== 1) mismatches.push(`${symbol}: ${undefinedSymbols.length} undefined symbol table entries`);
        for (const s of undefinedSymbols) {
          if (s.weakReference !== weak) mismatches.push(`${symbol} (macOS ${entry.macosSinceText}): nlist ${s.weakReference ? 'has' : 'lacks'} N_WEAK_REF`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('imports nothing from outside libSystem (every bind, and every undefined symbol, names libSystem)', () => {
      const slice = sliceOf(file, arch);
      const libSystem = libSystemOrdinal(slice);
      const binds = slice.binds.filter((b) => b.source !== 'weak_bind');
      expect(binds.length).toBeGreaterThan(0);
      expect(binds.filter((b) => b.ordinal !== libSystem).map((b) => `${b.source} ${b.symbol} → ordinal ${b.ordinal}`)).toEqual([]);
      const stubBinder = binds.filter((b) => b.symbol === 'dyld_stub_binder');
      for (const b of stubBinder) expect(b.ordinal).toBe(libSystem);
      const undefinedSymbols = slice.symbols.filter((s) => s.kind === 'undefined');
      expect(undefinedSymbols.filter((s) => s.libraryOrdinal !== libSystem).map((s) => `${s.name} → library ordinal ${s.libraryOrdinal}`)).toEqual([]);
    });
  });

  it('signs the arm64 slice (LC_CODE_SIGNATURE), with page hashes that match the slice', () => {
    const slice = sliceOf(file, 'arm64');
    expect(slice.codeSignature, 'LC_CODE_SIGNATURE').toBeDefined();
    const signature = parseCodeSignature(slice);
    const directory = signature?.codeDirectories[0];
    if (directory === undefined) throw new Error('arm64: the code signature has no CodeDirectory');
    const algorithm = directory.hashType === 2 ? 'sha256' : directory.hashType === 1 ? 'sha1' : undefined;
    if (algorithm === undefined) throw new Error(`arm64: CodeDirectory hash type ${directory.hashType}`);
    expect(directory.codeLimit, 'the signature covers everything before it').toBe(slice.codeSignature?.dataoff);
    const pageSize = 2 ** directory.pageSizeLog2;
    expect(directory.codeSlots.length).toBe(Math.ceil(directory.codeLimit / pageSize));
    const wrong = directory.codeSlots.flatMap((slot, page) => {
      const data = slice.bytes.subarray(page * pageSize, Math.min(directory.codeLimit, (page + 1) * pageSize));
      const actual = createHash(algorithm).update(data).digest().subarray(0, directory.hashSize);
      return Buffer.compare(actual, slot) === 0 ? [] : [page];
    });
    expect(wrong, 'pages whose hash does not match').toEqual([]);
  });

  it("agrees with the SDK headers on interposed.def's macos_since column (API_AVAILABLE(macos(…)) and older forms)", () => {
    const libDir = zigLibDir();
    const disagreements = interposed.flatMap((entry) => {
      const sdk = sdkMacosSince(entry.fn, libDir);
      if (sdk === undefined) return [`${entry.fn}: no declaration with a macOS availability in the SDK's xpc headers`];
      return sdk.since === entry.macosSinceText ? [] : [`${entry.fn}: interposed.def line ${entry.line} says ${entry.macosSinceText}, xpc/${sdk.header} says ${sdk.since}`];
    });
    expect(disagreements).toEqual([]);
  });
});
