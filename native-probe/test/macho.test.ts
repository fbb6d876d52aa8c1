/**
 * The Mach-O reader (macho.ts) on its own: on the probe as Zig builds it (cross-checked against
 * llvm-objdump where that is installed), on hand-made images that use every bind and rebase
 * opcode and every supported chained-fixup pointer format, and on malformed input, which must
 * give a MachOError naming the file, the slice and the offset, never another exception.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIND_SPECIAL_DYLIB_FLAT_LOOKUP,
  BIND_SPECIAL_DYLIB_SELF,
  CPU_TYPE_ARM64,
  DYLD_CHAINED_PTR_64,
  DYLD_CHAINED_PTR_64_OFFSET,
  DYLD_CHAINED_PTR_ARM64E,
  DYLD_CHAINED_PTR_ARM64E_USERLAND24,
  findSection,
  LC,
  MachOError,
  MH_DYLIB,
  N_EXT,
  N_SECT,
  N_WEAK_REF,
  parseCodeSignature,
  parseMachO,
  readMachOFile,
  resolvePointer,
  S_ATTR_PURE_INSTRUCTIONS,
  symbolsAt,
  type MachSlice,
} from './macho';
import { macosToolchainProblem, makeMacos } from './zig';

/* ---- hand-made images ---------------------------------------------------------------------------
 * __TEXT at BASE (file 0, 0x4000 bytes; __text at BASE+0x1000), __DATA at BASE+0x4000 (file 0x4000,
 * 0x4000 bytes; one section at its start holding `data`), __LINKEDIT at BASE+0x8000 (file 0x8000):
 * the fixups, then the symbol table and its strings. Loads libSystem (ordinal 1) and libfoo
 * (ordinal 2, weak). */

const TEXT_OFFSET = 0x1000;
const DATA = 0x4000;
const LINKEDIT = 0x8000;

interface SynthSymbol {
  readonly name: string;
  readonly type: number;
  readonly sect: number;
  readonly desc: number;
  readonly value: bigint;
}

type SynthFixups =
  | { readonly kind: 'chained'; readonly blob: Uint8Array }
  | { readonly kind: 'dyld_info'; readonly rebase: Uint8Array; readonly bind: Uint8Array; readonly weakBind: Uint8Array; readonly lazyBind: Uint8Array };

interface Synth {
  readonly base: bigint;
  readonly data: Uint8Array;
  readonly fixups: SynthFixups;
  readonly symbols: readonly SynthSymbol[];
}

class Out {
  bytes = new Uint8Array(0x10000);
  view = new DataView(this.bytes.buffer);
  length = 0;
  private grow(n: number): void {
    while (this.length + n > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
  }
  u8(v: number): this {
    this.grow(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.grow(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  u64(v: bigint): this {
    this.grow(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    this.length += 8;
    return this;
  }
  raw(b: ArrayLike<number>): this {
    this.grow(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
    return this;
  }
  name16(s: string): this {
    const b = new Uint8Array(16);
    b.set(new TextEncoder().encode(s));
    return this.raw(b);
  }
  align(n: number): this {
    while (this.length % n !== 0) this.u8(0);
    return this;
  }
  /** Moves on to `offset`, zero-filling the gap. */
  at(offset: number): this {
    this.grow(Math.max(0, offset - this.length));
    this.length = offset;
    return this;
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function uleb(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function sleb(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const cstr = (s: string): number[] => [...new TextEncoder().encode(s), 0];

function dylibCommand(out: Out, cmd: number, name: string): void {
  const size = Math.ceil((24 + name.length + 1) / 8) * 8;
  const start = out.length;
  out.u32(cmd).u32(size).u32(24).u32(2).u32(0x10000).u32(0x10000).raw(cstr(name));
  out.at(start + size);
}

function buildImage(synth: Synth): Uint8Array {
  /* __LINKEDIT contents first: their offsets go into the load commands. */
  const le = new Out();
  const place = (blob: Uint8Array): [number, number] => {
    le.align(8);
    const at = LINKEDIT + le.length;
    le.raw(blob);
    return [at, blob.length];
  };
  const fixups =
    synth.fixups.kind === 'chained'
      ? { kind: 'chained' as const, chained: place(synth.fixups.blob) }
      : { kind: 'dyld_info' as const, rebase: place(synth.fixups.rebase), bind: place(synth.fixups.bind), weakBind: place(synth.fixups.weakBind), lazyBind: place(synth.fixups.lazyBind) };
  const strings = new Out().u8(0);
  const nlists = new Out();
  for (const s of synth.symbols) {
    nlists.u32(strings.length).u8(s.type).u8(s.sect).u16(s.desc).u64(s.value);
    strings.raw(cstr(s.name));
  }
  const [symoff] = place(nlists.done());
  const [stroff, strsize] = place(strings.done());
  le.align(8);
  const linkeditSize = le.length;

  const out = new Out();
  out.at(32);
  const segment = (name: string, vmaddr: bigint, vmsize: number, fileoff: number, filesize: number, section?: { name: string; addr: bigint; size: number; offset: number; flags: number }): void => {
    out.u32(LC.SEGMENT_64).u32(72 + (section !== undefined ? 80 : 0)).name16(name).u64(vmaddr).u64(BigInt(vmsize)).u64(BigInt(fileoff)).u64(BigInt(filesize));
    out.u32(name === '__TEXT' ? 5 : 3).u32(name === '__TEXT' ? 5 : 3).u32(section !== undefined ? 1 : 0).u32(0);
    if (section !== undefined) {
      out.name16(section.name).name16(name).u64(section.addr).u64(BigInt(section.size)).u32(section.offset).u32(3).u32(0).u32(0).u32(section.flags).u32(0).u32(0).u32(0);
    }
  };
  let ncmds = 0;
  segment('__TEXT', synth.base, 0x4000, 0, 0x4000, { name: '__text', addr: synth.base + BigInt(TEXT_OFFSET), size: 0x100, offset: TEXT_OFFSET, flags: S_ATTR_PURE_INSTRUCTIONS | 0x400 });
  segment('__DATA', synth.base + BigInt(DATA), 0x4000, DATA, 0x4000, { name: '__interpose', addr: synth.base + BigInt(DATA), size: synth.data.length, offset: DATA, flags: 0 });
  segment('__LINKEDIT', synth.base + BigInt(LINKEDIT), 0x4000, LINKEDIT, linkeditSize);
  ncmds += 3;
  dylibCommand(out, LC.ID_DYLIB, '@rpath/synthetic.dylib');
  dylibCommand(out, LC.LOAD_DYLIB, '/usr/lib/libSystem.B.dylib');
  dylibCommand(out, LC.LOAD_WEAK_DYLIB, '/usr/lib/libfoo.dylib');
  ncmds += 3;
  out.u32(LC.SYMTAB).u32(24).u32(symoff).u32(synth.symbols.length).u32(stroff).u32(strsize);
  ncmds += 1;
  if (fixups.kind === 'chained') {
    out.u32(LC.DYLD_CHAINED_FIXUPS).u32(16).u32(fixups.chained[0]).u32(fixups.chained[1]);
  } else {
    out.u32(LC.DYLD_INFO_ONLY).u32(48);
    for (const [off, size] of [fixups.rebase, fixups.bind, fixups.weakBind, fixups.lazyBind]) out.u32(size > 0 ? off : 0).u32(size);
    out.u32(0).u32(0);
  }
  ncmds += 1;
  out.u32(LC.BUILD_VERSION).u32(24).u32(1).u32(0x000c0000).u32(0x000f0000).u32(0);
  ncmds += 1;
  const sizeofcmds = out.length - 32;
  out.at(DATA).raw(synth.data);
  out.at(LINKEDIT).raw(le.done());
  const image = out.done();
  const header = new DataView(image.buffer);
  header.setUint32(0, 0xfeedfacf, true);
  header.setUint32(4, CPU_TYPE_ARM64, true);
  header.setUint32(8, 0, true);
  header.setUint32(12, MH_DYLIB, true);
  header.setUint32(16, ncmds, true);
  header.setUint32(20, sizeofcmds, true);
  header.setUint32(24, 0x85, true);
  return image;
}

function pointers(values: readonly bigint[]): Uint8Array {
  const out = new Out();
  for (const v of values) out.u64(v);
  return out.done();
}

/** Symbols of the hand-made images: two functions in __text, two imports from libSystem (one weak). */
function symbolsFor(base: bigint): SynthSymbol[] {
  return [
    { name: '_probe_a', type: N_SECT, sect: 1, desc: 0, value: base + BigInt(TEXT_OFFSET) },
    { name: '_probe_b', type: N_SECT, sect: 1, desc: 0, value: base + BigInt(TEXT_OFFSET + 0x10) },
    { name: '_xpc_a', type: N_EXT, sect: 0, desc: 1 << 8, value: 0n },
    { name: '_xpc_b', type: N_EXT, sect: 0, desc: (1 << 8) | N_WEAK_REF, value: 0n },
  ];
}

interface ChainedImportSpec {
  readonly ordinal: number;
  readonly weak: boolean;
  readonly name: string;
}

/** LC_DYLD_CHAINED_FIXUPS data: header, starts for __DATA's one page (chain from offset 0), imports, names. */
function chainedBlob(format: number, imports: readonly ChainedImportSpec[], options: { importsFormat?: number; pageStart?: number } = {}): Uint8Array {
  const out = new Out();
  const startsOffset = 32;
  const segInfoOffset = 16;
  const importsOffset = startsOffset + segInfoOffset + 24;
  const symbolsOffset = importsOffset + imports.length * 4;
  out.u32(0).u32(startsOffset).u32(importsOffset).u32(symbolsOffset).u32(imports.length).u32(options.importsFormat ?? 1).u32(0).align(8);
  out.u32(3).u32(0).u32(segInfoOffset).u32(0);
  out.u32(24).u16(0x4000).u16(format).u64(BigInt(DATA)).u32(0).u16(1).u16(options.pageStart ?? 0);
  const names = new Out().u8(0);
  for (const imp of imports) {
    out.u32((imp.ordinal & 0xff) | (imp.weak ? 1 << 8 : 0) | (names.length << 9));
    names.raw(cstr(imp.name));
  }
  out.raw(names.done());
  return out.done();
}

const IMPORTS: readonly ChainedImportSpec[] = [
  { ordinal: 1, weak: false, name: '_xpc_a' },
  { ordinal: 1, weak: true, name: '_xpc_b' },
];

const B = (n: number): bigint => BigInt(n);
const bit = (n: number): bigint => 1n << BigInt(n);

/** The four pointers of two interpose pairs, encoded in `format`, chained from one to the next. */
function chainedPairs(format: number, base: bigint): bigint[] {
  const a = base + B(TEXT_OFFSET);
  const b = base + B(TEXT_OFFSET + 0x10);
  const offsetOf = (addr: bigint): bigint => addr - base;
  switch (format) {
    case DYLD_CHAINED_PTR_64:
    case DYLD_CHAINED_PTR_64_OFFSET: {
      const target = (addr: bigint): bigint => (format === DYLD_CHAINED_PTR_64 ? addr : offsetOf(addr));
      const next = B(2) << 51n;
      return [target(a) | next, 0n | next | bit(63), target(b) | next, 1n | bit(63)];
    }
    case DYLD_CHAINED_PTR_ARM64E:
    case DYLD_CHAINED_PTR_ARM64E_USERLAND24: {
      const next = 1n << 51n;
      const plainRebase = (addr: bigint): bigint => (format === DYLD_CHAINED_PTR_ARM64E ? addr : offsetOf(addr)) | next;
      const authRebase = (addr: bigint): bigint => offsetOf(addr) | (0x1234n << 32n) | bit(48) | next | bit(63);
      const authBind = (ordinal: bigint): bigint => ordinal | (0x5678n << 32n) | next | bit(62) | bit(63);
      /* A plain bind with addend −8 (19-bit two's complement), last in the chain. */
      const plainBind = (ordinal: bigint): bigint => ordinal | ((bit(19) - 8n) << 32n) | bit(62);
      return [plainRebase(a), authBind(0n), authRebase(b), plainBind(1n)];
    }
    default:
      throw new Error(`no encoder for format ${format}`);
  }
}

function interposeView(slice: MachSlice): string[] {
  const section = findSection(slice, '__DATA', '__interpose');
  if (section === undefined) throw new Error('no __interpose');
  const out: string[] = [];
  for (let at = section.addr; at < section.addr + section.size; at += 8n) {
    const r = resolvePointer(slice, at);
    if (r.kind === 'bind') out.push(`bind ${r.bind.symbol} ordinal ${r.bind.ordinal}${r.bind.weakImport ? ' weak' : ''}${r.bind.addend !== 0n ? ` addend ${r.bind.addend}` : ''}`);
    else if (r.kind === 'rebase') out.push(`rebase ${symbolsAt(slice, r.target).map((s) => s.name).join(',') || `0x${r.target.toString(16)}`}`);
    else out.push(`raw 0x${r.raw.toString(16)}`);
  }
  return out;
}

function thrown(f: () => unknown): MachOError {
  try {
    f();
  } catch (error) {
    if (error instanceof MachOError) return error;
    throw new Error(`expected a MachOError, got ${String(error)}`);
  }
  throw new Error('expected a MachOError, nothing was thrown');
}

describe('chained fixups (hand-made images)', () => {
  const BASE = 0x100000000n;
  it.each([
    ['DYLD_CHAINED_PTR_64', DYLD_CHAINED_PTR_64],
    ['DYLD_CHAINED_PTR_64_OFFSET', DYLD_CHAINED_PTR_64_OFFSET],
    ['DYLD_CHAINED_PTR_ARM64E', DYLD_CHAINED_PTR_ARM64E],
    ['DYLD_CHAINED_PTR_ARM64E_USERLAND24', DYLD_CHAINED_PTR_ARM64E_USERLAND24],
  ])('%s: binds resolve to their imports (ordinal, weak flag, addend), rebases to the functions they point to', (_name, format) => {
    const image = buildImage({ base: BASE, data: pointers(chainedPairs(format, BASE)), fixups: { kind: 'chained', blob: chainedBlob(format, IMPORTS) }, symbols: symbolsFor(BASE) });
    const slice = parseMachO(image, 'synthetic.dylib').slices[0]!;
    expect(slice.chainedFixups?.pointerFormats).toEqual([format]);
    expect(slice.chainedFixups?.imports.map((i) => [i.name, i.ordinal, i.weakImport])).toEqual([
      ['_xpc_a', 1, false],
      ['_xpc_b', 1, true],
    ]);
    const lastBind = format === DYLD_CHAINED_PTR_ARM64E || format === DYLD_CHAINED_PTR_ARM64E_USERLAND24 ? 'bind _xpc_b ordinal 1 weak addend -8' : 'bind _xpc_b ordinal 1 weak';
    expect(interposeView(slice)).toEqual(['rebase _probe_a', 'bind _xpc_a ordinal 1', 'rebase _probe_b', lastBind]);
    expect(slice.binds.every((b) => b.source === 'chained')).toBe(true);
  });

  it('refuses an import ordinal past the loaded dylibs, a bind naming a missing import, a chain leaving its segment, an unknown pointer or import format', () => {
    const build = (format: number, values: bigint[], imports = IMPORTS, options: { importsFormat?: number; pageStart?: number } = {}): Uint8Array =>
      buildImage({ base: BASE, data: pointers(values), fixups: { kind: 'chained', blob: chainedBlob(format, imports, options) }, symbols: symbolsFor(BASE) });
    const good = chainedPairs(DYLD_CHAINED_PTR_64, BASE);
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_64, good, [{ ordinal: 3, weak: false, name: '_x' }, ...IMPORTS]), 'x.dylib')).message).toMatch(
      /^x\.dylib, slice arm64, file offset 0x[0-9a-f]+: LC_DYLD_CHAINED_FIXUPS: import 0: dylib ordinal 3, but the image loads 2 dylibs$/,
    );
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_64, [good[0]!, 7n | bit(63)]), 'x.dylib')).message).toMatch(/chained bind at 0x100004008 names import 7, but there are 2/);
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_64, [(B(0xfff) << 51n) | (BASE + 0x1000n)]), 'x.dylib')).message).toMatch(/past the end of segment __DATA/);
    expect(thrown(() => parseMachO(build(3, good), 'x.dylib')).message).toMatch(/pointer_format 3 in __DATA is not supported/);
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_64, good, IMPORTS, { importsFormat: 9 }), 'x.dylib')).message).toMatch(/unknown imports_format 9/);
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_64, good, IMPORTS, { pageStart: 0x8004 }), 'x.dylib')).message).toMatch(/DYLD_CHAINED_PTR_START_MULTI/);
  });

  it('reads 16-bit bind ordinals in ARM64E and 24-bit ones in ARM64E_USERLAND24', () => {
    /* Bit 16 set: outside ARM64E's ordinal (its `zero` field), import 65536 for USERLAND24. */
    const bind = 0x10000n | bit(62);
    const build = (format: number): Uint8Array => buildImage({ base: BASE, data: pointers([bind]), fixups: { kind: 'chained', blob: chainedBlob(format, IMPORTS) }, symbols: symbolsFor(BASE) });
    expect(parseMachO(build(DYLD_CHAINED_PTR_ARM64E), 'x.dylib').slices[0]!.binds.map((b) => b.symbol)).toEqual(['_xpc_a']);
    expect(thrown(() => parseMachO(build(DYLD_CHAINED_PTR_ARM64E_USERLAND24), 'x.dylib')).message).toMatch(/names import 65536, but there are 2/);
  });
});

describe('LC_DYLD_INFO opcodes (a hand-made image using every one)', () => {
  const BASE = 0n;
  const D = (offset: number): bigint => BASE + B(DATA + offset);
  /* Raw pointer values of the rebased slots: where they point (unslid). */
  const REBASED = [0, 8, 24, 40, 56, 72];
  const data = pointers(Array.from({ length: 32 }, (_, i) => (REBASED.includes(i * 8) ? BASE + B(TEXT_OFFSET + i) : 0n)));

  const rebase = [
    0x11, // SET_TYPE_IMM pointer
    0x21, ...uleb(0), // SET_SEGMENT_AND_OFFSET_ULEB __DATA+0
    0x52, // DO_REBASE_IMM_TIMES 2: +0, +8
    0x41, // ADD_ADDR_IMM_SCALED 1: → +24
    0x60, ...uleb(1), // DO_REBASE_ULEB_TIMES 1: +24
    0x30, ...uleb(8), // ADD_ADDR_ULEB 8: → +40
    0x70, ...uleb(8), // DO_REBASE_ADD_ADDR_ULEB: +40, → +56
    0x80, ...uleb(2), ...uleb(8), // DO_REBASE_ULEB_TIMES_SKIPPING_ULEB 2 skip 8: +56, +72
    0x00,
  ];
  const bind = [
    0x11, // SET_DYLIB_ORDINAL_IMM 1
    0x40, ...cstr('_a'), // SET_SYMBOL_TRAILING_FLAGS_IMM
    0x51, // SET_TYPE_IMM pointer
    0x71, ...uleb(128), // SET_SEGMENT_AND_OFFSET_ULEB __DATA+128
    0x90, // DO_BIND: _a @128
    0x60, ...sleb(-16), // SET_ADDEND_SLEB −16
    0x41, ...cstr('_b'), // SET_SYMBOL_TRAILING_FLAGS_IMM weak import
    0xa0, ...uleb(8), // DO_BIND_ADD_ADDR_ULEB: _b @136, → 152
    0x60, ...sleb(0),
    0x20, ...uleb(2), // SET_DYLIB_ORDINAL_ULEB 2
    0x40, ...cstr('_c'),
    0xb1, // DO_BIND_ADD_ADDR_IMM_SCALED 1: _c @152, → 168
    0x3e, // SET_DYLIB_SPECIAL_IMM −2 (flat lookup)
    0x40, ...cstr('_d'),
    0xc0, ...uleb(2), ...uleb(8), // DO_BIND_ULEB_TIMES_SKIPPING_ULEB 2 skip 8: _d @168, @184, → 200
    0x80, ...uleb(2n ** 64n - 8n), // ADD_ADDR_ULEB −8 (wraps): → 192
    0x30, // SET_DYLIB_SPECIAL_IMM 0 (self)
    0x40, ...cstr('_e'),
    0x90, // DO_BIND: _e @192
    0x00,
  ];
  const weakBind = [0x40, ...cstr('_w'), 0x51, 0x71, ...uleb(224), 0x90, 0x48, ...cstr('_strong'), 0x00];
  const lazyBind = [0x71, ...uleb(232), 0x11, 0x40, ...cstr('_l1'), 0x90, 0x00, 0x71, ...uleb(240), 0x11, 0x41, ...cstr('_l2'), 0x90, 0x00];
  const image = (parts: Partial<Record<'rebase' | 'bind' | 'weakBind' | 'lazyBind', number[]>> = {}): Uint8Array =>
    buildImage({
      base: BASE,
      data,
      fixups: {
        kind: 'dyld_info',
        rebase: Uint8Array.from(parts.rebase ?? rebase),
        bind: Uint8Array.from(parts.bind ?? bind),
        weakBind: Uint8Array.from(parts.weakBind ?? weakBind),
        lazyBind: Uint8Array.from(parts.lazyBind ?? lazyBind),
      },
      symbols: symbolsFor(BASE),
    });

  it('reads binds, weak binds, lazy binds and rebases as dyld applies them', () => {
    const slice = parseMachO(image(), 'synthetic.dylib').slices[0]!;
    const view = (source: string): string[][] =>
      slice.binds.filter((b) => b.source === source).map((b) => [b.symbol, b.nonWeakDefinition ? 'non-weak definition' : `+${Number(b.address - D(0))}`, String(b.ordinal), b.weakImport ? 'weak' : '', String(b.addend)]);
    expect(view('bind')).toEqual([
      ['_a', '+128', '1', '', '0'],
      ['_b', '+136', '1', 'weak', '-16'],
      ['_c', '+152', '2', '', '0'],
      ['_d', '+168', String(BIND_SPECIAL_DYLIB_FLAT_LOOKUP), '', '0'],
      ['_d', '+184', String(BIND_SPECIAL_DYLIB_FLAT_LOOKUP), '', '0'],
      ['_e', '+192', String(BIND_SPECIAL_DYLIB_SELF), '', '0'],
    ]);
    expect(view('weak_bind')).toEqual([
      ['_w', '+224', '0', '', '0'],
      ['_strong', 'non-weak definition', '0', '', '0'],
    ]);
    expect(view('lazy_bind')).toEqual([
      ['_l1', '+232', '1', '', '0'],
      ['_l2', '+240', '1', 'weak', '0'],
    ]);
    expect(slice.rebases.map((r) => [Number(r.address - D(0)), r.target])).toEqual(REBASED.map((o) => [o, BASE + B(TEXT_OFFSET + o / 8)]));
    expect(resolvePointer(slice, D(0))).toMatchObject({ kind: 'rebase', target: BASE + B(TEXT_OFFSET) });
    expect(resolvePointer(slice, D(136))).toMatchObject({ kind: 'bind', bind: { symbol: '_b', weakImport: true } });
    expect(resolvePointer(slice, D(16))).toEqual({ kind: 'none', address: D(16), raw: 0n });
  });

  it.each<[string, Partial<Record<'rebase' | 'bind' | 'weakBind' | 'lazyBind', number[]>>, RegExp]>([
    ['an unknown bind opcode', { bind: [0x11, 0xe0] }, /bind: unknown bind opcode 0xe0/],
    ['BIND_OPCODE_THREADED', { bind: [0xd0] }, /BIND_OPCODE_THREADED .* not supported/],
    ['a segment index past the segments', { bind: [0x11, 0x40, ...cstr('_a'), 0x75, 0x00, 0x90] }, /segment index 5, but there are 3 segments/],
    ['a bind before its segment', { bind: [0x11, 0x40, ...cstr('_a'), 0x90] }, /DO_BIND before BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB/],
    ['a bind before its dylib', { bind: [0x40, ...cstr('_a'), 0x71, 0x00, 0x90] }, /DO_BIND of _a before a dylib ordinal was set/],
    ['a dylib ordinal past the loaded dylibs', { bind: [0x13] }, /dylib ordinal 3, but the image loads 2 dylibs/],
    ['a bind past the end of its segment', { bind: [0x11, 0x40, ...cstr('_a'), 0x71, ...uleb(0x4000), 0x90] }, /offset 0x4000 past the end of segment __DATA \(vmsize 0x4000\)/],
    ['2^40 binds in a row', { bind: [0x11, 0x40, ...cstr('_a'), 0x71, 0x00, 0xc0, ...uleb(2n ** 40n), 0x00] }, /1099511627776 pointers from offset 0x0, 8 bytes apart, past the end of segment __DATA/],
    ['a ULEB128 cut off by the end of the table', { bind: [0x71, 0x80, 0x80] }, /ULEB128 runs past the end of its table/],
    ['a symbol name without its NUL', { bind: [0x40, 0x5f, 0x61] }, /symbol name is not NUL-terminated/],
    ['an unknown rebase opcode', { rebase: [0x11, 0x21, 0x00, 0x90] }, /unknown rebase opcode 0x90/],
    ['a rebase before its type', { rebase: [0x21, 0x00, 0x51] }, /before REBASE_OPCODE_SET_TYPE_IMM/],
  ])('refuses %s', (_what, parts, message) => {
    const error = thrown(() => parseMachO(image(parts), 'synthetic.dylib'));
    expect(error.message).toMatch(/^synthetic\.dylib, slice arm64, file offset 0x[0-9a-f]+: /);
    expect(error.message).toMatch(message);
    expect(error.fileOffset).toBeGreaterThanOrEqual(LINKEDIT);
  });

  it('names the exact file offset of the opcode it refuses', () => {
    const bytes = image({ bind: [0x11, 0x11, 0xe0] });
    const slice = parseMachO(image(), 'ok').slices[0]!;
    const bindStart = slice.dyldInfo!.bind[0];
    expect(thrown(() => parseMachO(bytes, 'synthetic.dylib')).fileOffset).toBe(bindStart + 2);
  });
});

describe('malformed headers and load commands', () => {
  const good = buildImage({ base: 0n, data: pointers([0n, 0n]), fixups: { kind: 'chained', blob: chainedBlob(DYLD_CHAINED_PTR_64, IMPORTS, { pageStart: 0xffff }) }, symbols: symbolsFor(0n) });
  const patched = (offset: number, value: number): Uint8Array => {
    const copy = good.slice();
    new DataView(copy.buffer).setUint32(offset, value >>> 0, true);
    return copy;
  };
  /* The first load command (LC_SEGMENT_64 __TEXT) starts at 32. */
  it.each<[string, () => Uint8Array, RegExp]>([
    ['an empty file', () => new Uint8Array(0), /^x, file offset 0x0: 0 bytes: too short for any Mach-O magic$/],
    ['a bad magic', () => patched(0, 0xdeadbeef), /^x, file offset 0x0: bad magic 0xdeadbeef: neither MH_MAGIC_64/],
    ['a 32-bit Mach-O', () => patched(0, 0xfeedface), /32-bit Mach-O .* not supported/],
    ['a header cut short', () => good.slice(0, 20), /mach_header_64 \(offset 0x0, 32 bytes\) extends past the end/],
    ['load commands past the end of the file', () => good.slice(0, 100), /the load commands \(sizeofcmds \d+\) .*extends past the end \(0x64 bytes/],
    ['a load command past the end of the load commands', () => patched(36, 0x10000), /load command 0 \(cmd 0x19\): cmdsize 65536 runs past the end of the load commands/],
    ['a load command of size 0', () => patched(36, 0), /load command 0 \(cmd 0x19\): cmdsize 0 is smaller than a load command/],
    ['more load commands than there are', () => patched(16, 1000), /load command \d+ of 1000 starts past the end of the load commands/],
    ['a segment past the end of the file', () => good.slice(0, LINKEDIT + 8), /segment __LINKEDIT: file range 0x8000\+0x[0-9a-f]+ extends past the end of the slice/],
    ['a section outside its segment', () => patched(32 + 72 + 32, 0x9000), /section __TEXT,__text: 0x9000\+0x100 lies outside segment __TEXT/],
  ])('%s', (_what, bytes, message) => {
    const error = thrown(() => parseMachO(bytes(), 'x'));
    expect(error.message).toMatch(message);
  });
});

/* ---- the probe as Zig builds it ----------------------------------------------------------------- */

const SKIP = process.env['XPC_INSPECTOR_SKIP_MACOS_BUILD'] === '1';
if (SKIP) console.warn('native-probe/test/macho.test.ts: the tests on the real build are skipped: XPC_INSPECTOR_SKIP_MACOS_BUILD=1');

describe.skipIf(SKIP)('the reader on the probe built by Zig', () => {
  let dir: string;
  let universal: Uint8Array;
  const thin = (arch: string): Uint8Array => readFileSync(join(dir, 'macos', arch, 'libxpcinspectorprobe.dylib'));

  beforeAll(() => {
    const problem = macosToolchainProblem();
    if (problem !== undefined) throw new Error(`cannot build the probe for macOS: ${problem}. (XPC_INSPECTOR_SKIP_MACOS_BUILD=1 skips this test.)`);
    dir = mkdtempSync(join(tmpdir(), 'xpc-probe-macos-'));
    makeMacos(dir);
    universal = readFileSync(join(dir, 'libxpcinspectorprobe.dylib'));
  }, 600_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('reads each slice of the universal file exactly as the thin file it was made from', () => {
    const fat = parseMachO(universal, 'universal');
    expect(fat.slices.map((s) => s.arch)).toEqual(['arm64', 'x86_64']);
    for (const slice of fat.slices) {
      const alone = parseMachO(thin(slice.arch), 'thin').slices[0]!;
      const strip = (s: MachSlice) => ({
        binds: s.binds.map((b) => ({ ...b, fileOffset: b.fileOffset - s.fileOffset })),
        rebases: s.rebases.map((r) => ({ ...r, fileOffset: r.fileOffset - s.fileOffset })),
        symbols: s.symbols,
        segments: s.segments,
        dylibs: s.dylibs,
      });
      expect(strip(slice)).toEqual(strip(alone));
      expect(slice.binds.length).toBeGreaterThan(0);
      expect(slice.rebases.length).toBeGreaterThan(0);
    }
  });

  it('agrees with llvm-objdump on every bind, lazy bind and rebase (where llvm-objdump is installed)', () => {
    if (spawnSync('llvm-objdump', ['--version']).status !== 0) {
      console.warn('native-probe/test/macho.test.ts: llvm-objdump is not installed; the cross-check against it did not run');
      return;
    }
    for (const arch of ['arm64', 'x86_64']) {
      const path = join(dir, 'macos', arch, 'libxpcinspectorprobe.dylib');
      const objdump = (flag: string): string[] => {
        const r = spawnSync('llvm-objdump', ['--macho', flag, path], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        return r.stdout.split('\n').filter((line) => /^__\w+\s+__\w+\s+0x[0-9A-Fa-f]+/.test(line)).map((line) => line.trim().split(/\s+/).join(' '));
      };
      const slice = readMachOFile(path).slices[0]!;
      const addr = (a: bigint): string => `0x${a.toString(16).toUpperCase().padStart(8, '0')}`;
      const theirs = {
        bind: objdump('--bind').map((l) => l.split(' ')).map((f) => [f[0], f[1], f[2], f[6], f[7] === '(weak_import)' ? 'weak' : ''].join(' ')),
        lazy: objdump('--lazy-bind').map((l) => l.split(' ')).map((f) => [f[0], f[1], f[2], f[4]].join(' ')),
        rebase: objdump('--rebase').map((l) => l.split(' ').slice(0, 3).join(' ')),
      };
      const ours = {
        bind: slice.binds.filter((b) => b.source === 'bind').map((b) => [b.segment, b.section, addr(b.address), b.symbol, b.weakImport ? 'weak' : ''].join(' ')),
        lazy: slice.binds.filter((b) => b.source === 'lazy_bind').map((b) => [b.segment, b.section, addr(b.address), b.symbol].join(' ')),
        rebase: slice.rebases.map((r) => [r.segment, r.section, addr(r.address)].join(' ')),
      };
      const sorted = (x: typeof ours) => ({ bind: [...x.bind].sort(), lazy: [...x.lazy].sort(), rebase: [...x.rebase].sort() });
      expect(sorted(ours), arch).toEqual(sorted(theirs));
    }
  });

  it('names the slice and the offset when the universal file or a slice is cut short or damaged', () => {
    const fat = parseMachO(universal, 'u.dylib');
    const x86 = fat.fat![1]!;
    expect(thrown(() => parseMachO(universal.slice(0, 30), 'u.dylib')).message).toMatch(/^u\.dylib, file offset 0x8: 2 fat_arch entries \(offset 0x8, 40 bytes\) extends past the end/);
    expect(thrown(() => parseMachO(universal.slice(0, x86.offset + 100), 'u.dylib')).message).toMatch(
      new RegExp(`^u\\.dylib, file offset 0x${x86.offset.toString(16)}: fat_arch 1 \\(x86_64\\): the slice .*extends past the end`),
    );
    const badSlice = universal.slice();
    new DataView(badSlice.buffer).setUint32(x86.offset, 0x12345678, true);
    expect(thrown(() => parseMachO(badSlice, 'u.dylib')).message).toBe(
      `u.dylib, slice 1 (x86_64), file offset 0x${x86.offset.toString(16)}: bad magic 0x12345678: neither MH_MAGIC_64 (0xfeedfacf) nor a fat header (0xcafebabe)`,
    );
    const wrongArch = universal.slice();
    new DataView(wrongArch.buffer).setUint32(8 + 4, 2, false);
    expect(thrown(() => parseMachO(wrongArch, 'u.dylib')).message).toBe(
      "u.dylib, slice 0 (arm64e), file offset 0x4000: the fat header says arm64e (cputype 0x100000c, cpusubtype 0x2) but the slice's header says arm64 (cputype 0x100000c, cpusubtype 0x0)",
    );
    const arm = parseMachO(thin('arm64'), 'a.dylib').slices[0]!;
    const linkedit = arm.segments.find((s) => s.name === '__LINKEDIT')!;
    expect(thrown(() => parseMachO(thin('arm64').slice(0, linkedit.fileoff + 10), 'a.dylib')).message).toMatch(/^a\.dylib, slice arm64, file offset 0x[0-9a-f]+: segment __LINKEDIT: file range .* extends past the end of the slice/);
  });

  it('raises only MachOErrors, whatever bytes of the header, load commands or __LINKEDIT are changed, and wherever the file is cut', () => {
    const original = thin('arm64');
    const arm = parseMachO(original, 'a').slices[0]!;
    const commandsEnd = 32 + arm.loadCommands.reduce((n, c) => n + c.cmdsize, 0);
    const linkedit = arm.segments.find((s) => s.name === '__LINKEDIT')!;
    const offset = fc.oneof(fc.integer({ min: 0, max: commandsEnd - 1 }), fc.integer({ min: linkedit.fileoff, max: original.length - 1 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(offset, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.option(fc.integer({ min: 0, max: original.length }), { nil: undefined }), (edits, cut) => {
        const bytes = original.slice(0, cut ?? original.length);
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        try {
          const file = parseMachO(bytes, 'fuzz');
          for (const slice of file.slices) {
            parseCodeSignature(slice);
            const section = findSection(slice, '__DATA', '__interpose');
            if (section !== undefined && section.size < 0x10000n) for (let a = section.addr; a < section.addr + section.size; a += 8n) resolvePointer(slice, a);
          }
        } catch (error) {
          if (!(error instanceof MachOError)) throw error;
          expect(error.message).toMatch(/^fuzz(, slice [^,]+)?, file offset 0x[0-9a-f]+: \S/);
        }
      }),
      { numRuns: 400 },
    );
  });
});
