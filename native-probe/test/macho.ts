/**
 * A small Mach-O reader, enough to check what the probe's macOS build links: universal (fat)
 * files, mach_header_64, load commands (segments and sections, the dylibs, the build version,
 * the symbol table, the code signature) and the fixups dyld applies: binds and rebases from
 * LC_DYLD_INFO(_ONLY) opcodes or from LC_DYLD_CHAINED_FIXUPS chains. Little-endian 64-bit
 * slices only (arm64, arm64e, x86_64).
 *
 * Every read is bounds-checked: malformed input raises a MachOError naming the file, the slice
 * and the offset, never a RangeError from a DataView. References: <mach-o/loader.h>,
 * <mach-o/nlist.h>, <mach-o/fat.h>, <mach-o/fixup-chains.h>, and the code signing blobs of
 * <kern/cs_blobs.h>.
 */
import { readFileSync } from 'node:fs';

export class MachOError extends Error {
  constructor(
    readonly file: string,
    readonly slice: string | undefined,
    readonly fileOffset: number,
    readonly detail: string,
  ) {
    super(`${file}${slice !== undefined ? `, slice ${slice}` : ''}, file offset 0x${fileOffset.toString(16)}: ${detail}`);
    this.name = 'MachOError';
  }
}

/* ---- constants --------------------------------------------------------------------------------- */

export const FAT_MAGIC = 0xcafebabe;
export const FAT_MAGIC_64 = 0xcafebabf;
export const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM_64 = 0xcffaedfe;
const MH_MAGIC = 0xfeedface;
const MH_CIGAM = 0xcefaedfe;

export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM64 = 0x0100000c;

export const MH_EXECUTE = 0x2;
export const MH_DYLIB = 0x6;
export const MH_BUNDLE = 0x8;

/** Added, not OR-ed: JavaScript's | would make these negative int32s, unlike the uint32s read from the file. */
const LC_REQ_DYLD = 0x80000000;
export const LC = {
  SYMTAB: 0x2,
  DYSYMTAB: 0xb,
  LOAD_DYLIB: 0xc,
  ID_DYLIB: 0xd,
  LOAD_WEAK_DYLIB: LC_REQ_DYLD + 0x18,
  SEGMENT_64: 0x19,
  UUID: 0x1b,
  CODE_SIGNATURE: 0x1d,
  REEXPORT_DYLIB: LC_REQ_DYLD + 0x1f,
  LAZY_LOAD_DYLIB: 0x20,
  DYLD_INFO: 0x22,
  DYLD_INFO_ONLY: LC_REQ_DYLD + 0x22,
  LOAD_UPWARD_DYLIB: LC_REQ_DYLD + 0x23,
  VERSION_MIN_MACOSX: 0x24,
  BUILD_VERSION: 0x32,
  DYLD_CHAINED_FIXUPS: LC_REQ_DYLD + 0x34,
} as const;

export const PLATFORM_MACOS = 1;

/** nlist_64 n_type bits and n_desc flags. */
export const N_STAB = 0xe0;
export const N_PEXT = 0x10;
export const N_TYPE = 0x0e;
export const N_EXT = 0x01;
export const N_UNDF = 0x0;
export const N_ABS = 0x2;
export const N_SECT = 0xe;
export const N_INDR = 0xa;
export const N_WEAK_REF = 0x40;
export const N_WEAK_DEF = 0x80;

/** Section types (the low byte of flags) and attributes. */
const SECTION_TYPE = 0xff;
const S_ZEROFILL = 0x1;
const S_GB_ZEROFILL = 0xc;
const S_THREAD_LOCAL_ZEROFILL = 0x12;
export const S_ATTR_PURE_INSTRUCTIONS = 0x80000000;
export const S_ATTR_SOME_INSTRUCTIONS = 0x00000400;

export const BIND_SYMBOL_FLAGS_WEAK_IMPORT = 0x1;
export const BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION = 0x8;
export const BIND_TYPE_POINTER = 1;
export const REBASE_TYPE_POINTER = 1;

/** Library ordinals with a meaning of their own (binds, chained imports, two-level nlist). */
export const BIND_SPECIAL_DYLIB_SELF = 0;
export const BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE = -1;
export const BIND_SPECIAL_DYLIB_FLAT_LOOKUP = -2;
export const BIND_SPECIAL_DYLIB_WEAK_LOOKUP = -3;

export const DYLD_CHAINED_PTR_ARM64E = 1;
export const DYLD_CHAINED_PTR_64 = 2;
export const DYLD_CHAINED_PTR_64_OFFSET = 6;
export const DYLD_CHAINED_PTR_ARM64E_USERLAND = 9;
export const DYLD_CHAINED_PTR_ARM64E_USERLAND24 = 12;
export const DYLD_CHAINED_IMPORT = 1;
export const DYLD_CHAINED_IMPORT_ADDEND = 2;
export const DYLD_CHAINED_IMPORT_ADDEND64 = 3;

const PTR_SIZE = 8;
/** Beyond this many fixups a file is taken to be malformed rather than read on for minutes. */
const MAX_FIXUPS = 1 << 20;

/* ---- the model --------------------------------------------------------------------------------- */

export interface FatArch {
  readonly cputype: number;
  readonly cpusubtype: number;
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

export interface LoadCommand {
  readonly cmd: number;
  readonly cmdsize: number;
  /** Offset in the slice. */
  readonly offset: number;
}

export interface Section {
  readonly segname: string;
  readonly sectname: string;
  readonly addr: bigint;
  readonly size: bigint;
  readonly offset: number;
  readonly align: number;
  readonly flags: number;
  readonly type: number;
  /** 1-based, across all segments: what an nlist's n_sect refers to. */
  readonly index: number;
}

export interface Segment {
  readonly name: string;
  readonly vmaddr: bigint;
  readonly vmsize: bigint;
  readonly fileoff: number;
  readonly filesize: number;
  readonly maxprot: number;
  readonly initprot: number;
  readonly flags: number;
  readonly sections: readonly Section[];
  /** 0-based, in load-command order: what bind, rebase and chained-fixup segment indexes refer to. */
  readonly index: number;
}

export interface Dylib {
  readonly cmd: number;
  readonly name: string;
  readonly timestamp: number;
  readonly currentVersion: number;
  readonly compatibilityVersion: number;
  /** 1-based among the dylib-loading commands (LC_LOAD_DYLIB, _WEAK, REEXPORT, LAZY, UPWARD). */
  readonly ordinal: number;
}

export interface BuildVersion {
  readonly platform: number;
  /** xxxx.yy.zz packed as in the load command, and as text ("12.0", "14.4.1"). */
  readonly minos: number;
  readonly minosText: string;
  readonly sdk: number;
  readonly sdkText: string;
}

export interface Nlist {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly sect: number;
  readonly desc: number;
  readonly value: bigint;
  readonly stab: boolean;
  readonly external: boolean;
  readonly privateExternal: boolean;
  readonly kind: 'undefined' | 'absolute' | 'section' | 'indirect' | 'prebound' | 'stab';
  /** For an undefined symbol of a two-level namespace image: the dylib ordinal in n_desc (0 self, 0xfe dynamic lookup, 0xff executable). */
  readonly libraryOrdinal: number;
  readonly weakReference: boolean;
}

export type BindSource = 'bind' | 'weak_bind' | 'lazy_bind' | 'chained';

export interface Bind {
  readonly source: BindSource;
  readonly address: bigint;
  readonly segment: string;
  readonly section: string | undefined;
  /** A dylib ordinal (≥ 1), or a special one (0 self, −1 executable, −2 flat, −3 weak lookup); 0 for weak_bind, which binds by name. */
  readonly ordinal: number;
  readonly symbol: string;
  readonly weakImport: boolean;
  /** weak_bind only: the image holds a non-weak definition of the symbol; nothing is bound. */
  readonly nonWeakDefinition: boolean;
  readonly type: number;
  readonly addend: bigint;
  /** Where the opcode (or the chained pointer) that made it is, in the file. */
  readonly fileOffset: number;
}

export interface Rebase {
  readonly source: 'rebase' | 'chained';
  readonly address: bigint;
  readonly segment: string;
  readonly section: string | undefined;
  readonly type: number;
  /** The unslid address the pointer holds: decoded from the chain, or the raw pointer for opcode rebases. */
  readonly target: bigint;
  readonly fileOffset: number;
}

export interface DyldInfo {
  readonly rebase: readonly [number, number];
  readonly bind: readonly [number, number];
  readonly weakBind: readonly [number, number];
  readonly lazyBind: readonly [number, number];
  readonly exportInfo: readonly [number, number];
}

export interface ChainedImport {
  readonly ordinal: number;
  readonly weakImport: boolean;
  readonly name: string;
  readonly addend: bigint;
}

export interface CodeDirectory {
  readonly offset: number;
  readonly version: number;
  readonly flags: number;
  readonly identifier: string;
  readonly hashType: number;
  readonly hashSize: number;
  readonly pageSizeLog2: number;
  readonly codeLimit: number;
  readonly codeSlots: readonly Uint8Array[];
}

export interface CodeSignature {
  readonly dataoff: number;
  readonly datasize: number;
  /** Empty until parseCodeSignature is called. */
  readonly codeDirectories: readonly CodeDirectory[];
}

export interface MachSlice {
  /** The file it came from, for messages. */
  readonly file: string;
  readonly arch: string;
  /** Where the slice starts in the file, and its bytes. */
  readonly fileOffset: number;
  readonly bytes: Uint8Array;
  readonly cputype: number;
  readonly cpusubtype: number;
  readonly filetype: number;
  readonly flags: number;
  readonly loadCommands: readonly LoadCommand[];
  readonly segments: readonly Segment[];
  readonly sections: readonly Section[];
  readonly idDylib: Dylib | undefined;
  readonly dylibs: readonly Dylib[];
  readonly buildVersion: BuildVersion | undefined;
  readonly versionMinMacos: { readonly version: number; readonly versionText: string; readonly sdk: number } | undefined;
  readonly uuid: string | undefined;
  readonly symbols: readonly Nlist[];
  readonly dyldInfo: DyldInfo | undefined;
  readonly chainedFixups: { readonly dataoff: number; readonly datasize: number; readonly imports: readonly ChainedImport[]; readonly pointerFormats: readonly number[] } | undefined;
  readonly codeSignature: CodeSignature | undefined;
  readonly binds: readonly Bind[];
  readonly rebases: readonly Rebase[];
}

export interface MachFile {
  readonly file: string;
  readonly fat: readonly FatArch[] | undefined;
  readonly fatMagic: number | undefined;
  readonly slices: readonly MachSlice[];
}

/* ---- bounds-checked reading -------------------------------------------------------------------- */

class Bytes {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly slice: string | undefined,
    /** Where bytes[0] is in the file. */
    readonly base: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(offset: number, detail: string): never {
    throw new MachOError(this.file, this.slice, this.base + offset, detail);
  }

  /** Fails unless [offset, offset + size) lies within the bytes. */
  need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > this.bytes.length) {
      this.fail(
        Number.isSafeInteger(offset) && offset >= 0 ? Math.min(offset, this.bytes.length) : 0,
        `${what} (offset 0x${offset.toString(16)}, ${size} bytes) extends past the end (0x${this.bytes.length.toString(16)} bytes${this.slice !== undefined ? ' in the slice' : ''})`,
      );
    }
  }

  u8(offset: number, what: string): number {
    this.need(offset, 1, what);
    return this.view.getUint8(offset);
  }
  u16(offset: number, what: string, big = false): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, !big);
  }
  u32(offset: number, what: string, big = false): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, !big);
  }
  i32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getInt32(offset, true);
  }
  u64(offset: number, what: string, big = false): bigint {
    this.need(offset, 8, what);
    return this.view.getBigUint64(offset, !big);
  }

  /** A NUL-terminated string starting at `offset`, which must end before `end`. */
  cstring(offset: number, end: number, what: string): string {
    return this.cstringAt(offset, end, what).text;
  }

  /** The same, with the offset just past its NUL. */
  cstringAt(offset: number, end: number, what: string): { text: string; next: number } {
    this.need(offset, 0, what);
    const limit = Math.min(end, this.bytes.length);
    let i = offset;
    while (i < limit && this.bytes[i] !== 0) i++;
    if (i >= limit) this.fail(offset, `${what} is not NUL-terminated before offset 0x${limit.toString(16)}`);
    return { text: new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(offset, i)), next: i + 1 };
  }

  /** A fixed-size, NUL-padded name (segname, sectname). */
  fixedName(offset: number, size: number, what: string): string {
    this.need(offset, size, what);
    let end = offset;
    while (end < offset + size && this.bytes[end] !== 0) end++;
    return new TextDecoder('latin1').decode(this.bytes.subarray(offset, end));
  }

  uleb(offset: number, end: number, what: string): { value: bigint; next: number } {
    let value = 0n;
    let shift = 0n;
    let i = offset;
    for (;;) {
      if (i >= end) this.fail(i, `${what}: ULEB128 runs past the end of its table (0x${end.toString(16)})`);
      const byte = this.u8(i, what);
      i++;
      if (shift >= 64n && (byte & 0x7f) !== 0) this.fail(offset, `${what}: ULEB128 value does not fit in 64 bits`);
      if (shift < 64n) value |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
      if (shift > 70n) this.fail(offset, `${what}: ULEB128 longer than 10 bytes`);
    }
    return { value: BigInt.asUintN(64, value), next: i };
  }

  sleb(offset: number, end: number, what: string): { value: bigint; next: number } {
    let value = 0n;
    let shift = 0n;
    let i = offset;
    let byte: number;
    do {
      if (i >= end) this.fail(i, `${what}: SLEB128 runs past the end of its table (0x${end.toString(16)})`);
      byte = this.u8(i, what);
      i++;
      if (shift < 64n) value |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n && (byte & 0x80) !== 0) this.fail(offset, `${what}: SLEB128 longer than 10 bytes`);
    } while ((byte & 0x80) !== 0);
    if ((byte & 0x40) !== 0 && shift < 64n) value |= -1n << shift;
    return { value: BigInt.asIntN(64, value), next: i };
  }
}

function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

/** xxxx.yy.zz packed in 32 bits, as text: 12.0, 14.4.1. */
export function versionText(packed: number): string {
  const major = packed >>> 16;
  const minor = (packed >>> 8) & 0xff;
  const patch = packed & 0xff;
  return patch === 0 ? `${major}.${minor}` : `${major}.${minor}.${patch}`;
}

export function archName(cputype: number, cpusubtype: number): string {
  if (cputype === CPU_TYPE_ARM64) return (cpusubtype & 0xff) === 2 ? 'arm64e' : 'arm64';
  if (cputype === CPU_TYPE_X86_64) return (cpusubtype & 0xff) === 8 ? 'x86_64h' : 'x86_64';
  return `cputype ${hex(cputype)}`;
}

/* ---- the file: fat or thin --------------------------------------------------------------------- */

export function readMachOFile(path: string): MachFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new MachOError(path, undefined, 0, `cannot read: ${(error as Error).message}`);
  }
  return parseMachO(bytes, path);
}

export function parseMachO(bytes: Uint8Array, file: string): MachFile {
  const whole: Bytes = new Bytes(bytes, file, undefined, 0);
  if (bytes.length < 4) whole.fail(0, `${bytes.length} bytes: too short for any Mach-O magic`);
  const magicBE = whole.u32(0, 'magic', true);
  if (magicBE === FAT_MAGIC || magicBE === FAT_MAGIC_64) {
    const fat = parseFatHeader(whole, magicBE);
    const slices = fat.map((arch, i) => {
      const label = `${i} (${archName(arch.cputype, arch.cpusubtype)})`;
      const slice = parseSlice(bytes.subarray(arch.offset, arch.offset + arch.size), file, label, arch.offset);
      if (slice.cputype !== arch.cputype || slice.cpusubtype !== arch.cpusubtype) {
        throw new MachOError(
          file,
          label,
          arch.offset,
          `the fat header says ${archName(arch.cputype, arch.cpusubtype)} (cputype ${hex(arch.cputype)}, cpusubtype ${hex(arch.cpusubtype)}) but the slice's header says ${slice.arch} (cputype ${hex(slice.cputype)}, cpusubtype ${hex(slice.cpusubtype)})`,
        );
      }
      return slice;
    });
    return { file, fat, fatMagic: magicBE, slices };
  }
  return { file, fat: undefined, fatMagic: undefined, slices: [parseSlice(bytes, file, undefined, 0)] };
}

function parseFatHeader(whole: Bytes, magic: number): FatArch[] {
  const entrySize = magic === FAT_MAGIC_64 ? 32 : 20;
  const count = whole.u32(4, 'fat_header.nfat_arch', true);
  if (count === 0) whole.fail(4, 'fat_header.nfat_arch is 0: a universal file without slices');
  whole.need(8, count * entrySize, `${count} fat_arch entries`);
  const arches: FatArch[] = [];
  for (let i = 0; i < count; i++) {
    const at = 8 + i * entrySize;
    const cputype = whole.u32(at, 'fat_arch.cputype', true);
    const cpusubtype = whole.u32(at + 4, 'fat_arch.cpusubtype', true);
    const offset = magic === FAT_MAGIC_64 ? Number(whole.u64(at + 8, 'fat_arch_64.offset', true)) : whole.u32(at + 8, 'fat_arch.offset', true);
    const size = magic === FAT_MAGIC_64 ? Number(whole.u64(at + 16, 'fat_arch_64.size', true)) : whole.u32(at + 12, 'fat_arch.size', true);
    const align = whole.u32(at + (magic === FAT_MAGIC_64 ? 24 : 16), 'fat_arch.align', true);
    const name = archName(cputype, cpusubtype);
    if (offset < 8 + count * entrySize) whole.fail(at, `fat_arch ${i} (${name}): slice offset ${hex(offset)} overlaps the fat header`);
    whole.need(offset, size, `fat_arch ${i} (${name}): the slice`);
    if (align > 31) whole.fail(at, `fat_arch ${i} (${name}): align 2^${align} is not a plausible alignment`);
    if (offset % 2 ** align !== 0) whole.fail(at, `fat_arch ${i} (${name}): offset ${hex(offset)} is not aligned to 2^${align}`);
    for (const [j, other] of arches.entries()) {
      if (offset < other.offset + other.size && other.offset < offset + size) {
        whole.fail(at, `fat_arch ${i} (${name}) at ${hex(offset)}+${hex(size)} overlaps fat_arch ${j} at ${hex(other.offset)}+${hex(other.size)}`);
      }
      if (other.cputype === cputype && other.cpusubtype === cpusubtype) whole.fail(at, `fat_arch ${i}: a second ${name} slice`);
    }
    arches.push({ cputype, cpusubtype, offset, size, align });
  }
  return arches;
}

/* ---- one slice --------------------------------------------------------------------------------- */

const DYLIB_LOADS: ReadonlySet<number> = new Set([LC.LOAD_DYLIB, LC.LOAD_WEAK_DYLIB, LC.REEXPORT_DYLIB, LC.LAZY_LOAD_DYLIB, LC.LOAD_UPWARD_DYLIB]);

export function parseSlice(bytes: Uint8Array, file: string, label: string | undefined, fileOffset: number): MachSlice {
  const b: Bytes = new Bytes(bytes, file, label, fileOffset);
  if (bytes.length < 4) b.fail(0, `${bytes.length} bytes: too short for a Mach-O header`);
  const magic = b.u32(0, 'magic');
  if (magic === MH_CIGAM_64) b.fail(0, 'a big-endian 64-bit Mach-O (MH_CIGAM_64): not supported');
  if (magic === MH_MAGIC || magic === MH_CIGAM) b.fail(0, 'a 32-bit Mach-O (MH_MAGIC): not supported');
  if (magic !== MH_MAGIC_64) b.fail(0, `bad magic ${hex(magic)}: neither MH_MAGIC_64 (0xfeedfacf) nor a fat header (0xcafebabe)`);
  b.need(0, 32, 'mach_header_64');
  const cputype = b.u32(4, 'cputype');
  const cpusubtype = b.u32(8, 'cpusubtype');
  const filetype = b.u32(12, 'filetype');
  const ncmds = b.u32(16, 'ncmds');
  const sizeofcmds = b.u32(20, 'sizeofcmds');
  const flags = b.u32(24, 'flags');
  const arch = archName(cputype, cpusubtype);
  const where: Bytes = new Bytes(bytes, file, label ?? arch, fileOffset);
  const commandsEnd = 32 + sizeofcmds;
  where.need(32, sizeofcmds, `the load commands (sizeofcmds ${sizeofcmds})`);

  const loadCommands: LoadCommand[] = [];
  const segments: Segment[] = [];
  const sections: Section[] = [];
  const dylibs: Dylib[] = [];
  let idDylib: Dylib | undefined;
  let buildVersion: BuildVersion | undefined;
  let versionMinMacos: MachSlice['versionMinMacos'];
  let uuid: string | undefined;
  let symtab: { symoff: number; nsyms: number; stroff: number; strsize: number; at: number } | undefined;
  let dyldInfo: DyldInfo | undefined;
  let dyldInfoAt = 0;
  let chained: { dataoff: number; datasize: number; at: number } | undefined;
  let codeSignature: CodeSignature | undefined;

  let at = 32;
  for (let i = 0; i < ncmds; i++) {
    if (at + 8 > commandsEnd) where.fail(at, `load command ${i} of ${ncmds} starts past the end of the load commands (sizeofcmds ${sizeofcmds})`);
    const cmd = where.u32(at, `load command ${i}: cmd`);
    const cmdsize = where.u32(at + 4, `load command ${i}: cmdsize`);
    const name = `load command ${i} (cmd ${hex(cmd)})`;
    if (cmdsize < 8) where.fail(at, `${name}: cmdsize ${cmdsize} is smaller than a load command`);
    if (cmdsize % 8 !== 0) where.fail(at, `${name}: cmdsize ${cmdsize} is not a multiple of 8`);
    if (at + cmdsize > commandsEnd) where.fail(at, `${name}: cmdsize ${cmdsize} runs past the end of the load commands (offset ${hex(commandsEnd)})`);
    const need = (size: number): void => {
      if (cmdsize < size) where.fail(at, `${name}: cmdsize ${cmdsize} is too small for its ${size}-byte structure`);
    };
    loadCommands.push({ cmd, cmdsize, offset: at });
    switch (cmd) {
      case LC.SEGMENT_64: {
        need(72);
        const segname = where.fixedName(at + 8, 16, 'segname');
        const vmaddr = where.u64(at + 24, 'vmaddr');
        const vmsize = where.u64(at + 32, 'vmsize');
        const fileoff = where.u64(at + 40, 'fileoff');
        const filesize = where.u64(at + 48, 'filesize');
        const nsects = where.u32(at + 64, 'nsects');
        if (72 + nsects * 80 > cmdsize) where.fail(at, `segment ${segname}: ${nsects} sections do not fit in cmdsize ${cmdsize}`);
        if (fileoff + filesize > BigInt(bytes.length)) {
          where.fail(at, `segment ${segname}: file range ${hex(fileoff)}+${hex(filesize)} extends past the end of the slice (${hex(bytes.length)} bytes)`);
        }
        if (filesize > vmsize) where.fail(at, `segment ${segname}: filesize ${hex(filesize)} exceeds vmsize ${hex(vmsize)}`);
        if (vmaddr + vmsize > 0xffffffffffffffffn) where.fail(at, `segment ${segname}: ${hex(vmaddr)}+${hex(vmsize)} wraps around`);
        const segmentSections: Section[] = [];
        for (let s = 0; s < nsects; s++) {
          const so = at + 72 + s * 80;
          const sectname = where.fixedName(so, 16, 'sectname');
          const secSegname = where.fixedName(so + 16, 16, 'section segname');
          const addr = where.u64(so + 32, 'section addr');
          const size = where.u64(so + 40, 'section size');
          const offset = where.u32(so + 48, 'section offset');
          const align = where.u32(so + 52, 'section align');
          const sflags = where.u32(so + 64, 'section flags');
          const type = sflags & SECTION_TYPE;
          const title = `section ${secSegname},${sectname}`;
          if (addr < vmaddr || addr + size > vmaddr + vmsize) where.fail(so, `${title}: ${hex(addr)}+${hex(size)} lies outside segment ${segname} (${hex(vmaddr)}+${hex(vmsize)})`);
          const zerofill = type === S_ZEROFILL || type === S_GB_ZEROFILL || type === S_THREAD_LOCAL_ZEROFILL;
          if (!zerofill && size > 0n) {
            if (BigInt(offset) + size > BigInt(bytes.length)) where.fail(so, `${title}: file range ${hex(offset)}+${hex(size)} extends past the end of the slice (${hex(bytes.length)} bytes)`);
            if (BigInt(offset) !== fileoff + (addr - vmaddr)) {
              where.fail(so, `${title}: file offset ${hex(offset)} does not match its address (segment ${segname} maps ${hex(vmaddr)} at file offset ${hex(fileoff)})`);
            }
          }
          const section: Section = { segname: secSegname, sectname, addr, size, offset, align, flags: sflags, type, index: sections.length + 1 };
          segmentSections.push(section);
          sections.push(section);
        }
        segments.push({
          name: segname,
          vmaddr,
          vmsize,
          fileoff: Number(fileoff),
          filesize: Number(filesize),
          maxprot: where.u32(at + 56, 'maxprot'),
          initprot: where.u32(at + 60, 'initprot'),
          flags: where.u32(at + 68, 'segment flags'),
          sections: segmentSections,
          index: segments.length,
        });
        break;
      }
      case LC.ID_DYLIB:
      case LC.LOAD_DYLIB:
      case LC.LOAD_WEAK_DYLIB:
      case LC.REEXPORT_DYLIB:
      case LC.LAZY_LOAD_DYLIB:
      case LC.LOAD_UPWARD_DYLIB: {
        need(24);
        const nameOffset = where.u32(at + 8, 'dylib name offset');
        if (nameOffset < 24 || nameOffset >= cmdsize) where.fail(at, `${name}: dylib name offset ${nameOffset} lies outside the command (24..${cmdsize})`);
        const dylib: Dylib = {
          cmd,
          name: where.cstring(at + nameOffset, at + cmdsize, `${name}: dylib name`),
          timestamp: where.u32(at + 12, 'timestamp'),
          currentVersion: where.u32(at + 16, 'current_version'),
          compatibilityVersion: where.u32(at + 20, 'compatibility_version'),
          ordinal: cmd === LC.ID_DYLIB ? 0 : dylibs.length + 1,
        };
        if (cmd === LC.ID_DYLIB) {
          if (idDylib !== undefined) where.fail(at, 'a second LC_ID_DYLIB');
          idDylib = dylib;
        } else {
          dylibs.push(dylib);
        }
        break;
      }
      case LC.SYMTAB: {
        need(24);
        if (symtab !== undefined) where.fail(at, 'a second LC_SYMTAB');
        symtab = {
          symoff: where.u32(at + 8, 'symoff'),
          nsyms: where.u32(at + 12, 'nsyms'),
          stroff: where.u32(at + 16, 'stroff'),
          strsize: where.u32(at + 20, 'strsize'),
          at,
        };
        break;
      }
      case LC.DYLD_INFO:
      case LC.DYLD_INFO_ONLY: {
        need(48);
        if (dyldInfo !== undefined) where.fail(at, 'a second LC_DYLD_INFO(_ONLY)');
        const pair = (o: number, what: string): readonly [number, number] => {
          const off = where.u32(at + o, `${what}_off`);
          const size = where.u32(at + o + 4, `${what}_size`);
          if (size > 0) where.need(off, size, `LC_DYLD_INFO ${what} info`);
          return [off, size];
        };
        dyldInfo = { rebase: pair(8, 'rebase'), bind: pair(16, 'bind'), weakBind: pair(24, 'weak_bind'), lazyBind: pair(32, 'lazy_bind'), exportInfo: pair(40, 'export') };
        dyldInfoAt = at;
        break;
      }
      case LC.DYLD_CHAINED_FIXUPS: {
        need(16);
        if (chained !== undefined) where.fail(at, 'a second LC_DYLD_CHAINED_FIXUPS');
        chained = { dataoff: where.u32(at + 8, 'dataoff'), datasize: where.u32(at + 12, 'datasize'), at };
        where.need(chained.dataoff, chained.datasize, 'LC_DYLD_CHAINED_FIXUPS data');
        break;
      }
      case LC.BUILD_VERSION: {
        need(24);
        const minos = where.u32(at + 12, 'minos');
        const sdk = where.u32(at + 16, 'sdk');
        buildVersion = { platform: where.u32(at + 8, 'platform'), minos, minosText: versionText(minos), sdk, sdkText: versionText(sdk) };
        break;
      }
      case LC.VERSION_MIN_MACOSX: {
        need(16);
        const version = where.u32(at + 8, 'version');
        versionMinMacos = { version, versionText: versionText(version), sdk: where.u32(at + 12, 'sdk') };
        break;
      }
      case LC.UUID: {
        need(24);
        uuid = Array.from(bytes.subarray(at + 8, at + 24), (x) => x.toString(16).padStart(2, '0')).join('');
        break;
      }
      case LC.CODE_SIGNATURE: {
        need(16);
        const dataoff = where.u32(at + 8, 'dataoff');
        const datasize = where.u32(at + 12, 'datasize');
        where.need(dataoff, datasize, 'the code signature (LC_CODE_SIGNATURE)');
        codeSignature = { dataoff, datasize, codeDirectories: [] };
        break;
      }
      default:
        break;
    }
    at += cmdsize;
  }

  const symbols = symtab !== undefined ? parseSymbols(where, symtab, sections.length) : [];
  const partial = { file, arch, fileOffset, bytes, cputype, cpusubtype, filetype, flags, loadCommands, segments, sections, idDylib, dylibs, buildVersion, versionMinMacos, uuid, symbols, dyldInfo, codeSignature };
  const fixups = new Fixups(where, segments, dylibs.length);
  let chainedFixups: MachSlice['chainedFixups'];
  if (dyldInfo !== undefined) {
    fixups.rebaseOpcodes(dyldInfo.rebase, dyldInfoAt);
    fixups.bindOpcodes('bind', dyldInfo.bind, dyldInfoAt);
    fixups.bindOpcodes('weak_bind', dyldInfo.weakBind, dyldInfoAt);
    fixups.bindOpcodes('lazy_bind', dyldInfo.lazyBind, dyldInfoAt);
  }
  if (chained !== undefined) {
    if (dyldInfo !== undefined && (dyldInfo.bind[1] > 0 || dyldInfo.rebase[1] > 0)) {
      where.fail(chained.at, 'both LC_DYLD_CHAINED_FIXUPS and LC_DYLD_INFO rebase/bind opcodes');
    }
    chainedFixups = fixups.chainedFixups(chained.dataoff, chained.datasize);
  }
  return { ...partial, chainedFixups, binds: fixups.binds, rebases: fixups.rebases };
}

function parseSymbols(b: Bytes, symtab: { symoff: number; nsyms: number; stroff: number; strsize: number; at: number }, sectionCount: number): Nlist[] {
  b.need(symtab.symoff, symtab.nsyms * 16, `the symbol table (LC_SYMTAB: ${symtab.nsyms} nlist_64 at ${hex(symtab.symoff)})`);
  b.need(symtab.stroff, symtab.strsize, `the string table (LC_SYMTAB: ${symtab.strsize} bytes at ${hex(symtab.stroff)})`);
  const symbols: Nlist[] = [];
  for (let i = 0; i < symtab.nsyms; i++) {
    const o = symtab.symoff + i * 16;
    const strx = b.u32(o, 'n_strx');
    const type = b.u8(o + 4, 'n_type');
    const sect = b.u8(o + 5, 'n_sect');
    const desc = b.u16(o + 6, 'n_desc');
    const value = b.u64(o + 8, 'n_value');
    if (strx >= symtab.strsize && !(strx === 0 && symtab.strsize === 0)) b.fail(o, `symbol ${i}: n_strx ${strx} lies outside the string table (${symtab.strsize} bytes)`);
    const name = symtab.strsize === 0 ? '' : b.cstring(symtab.stroff + strx, symtab.stroff + symtab.strsize, `symbol ${i}: name`);
    const stab = (type & N_STAB) !== 0;
    const t = type & N_TYPE;
    let kind: Nlist['kind'];
    if (stab) kind = 'stab';
    else if (t === N_UNDF) kind = 'undefined';
    else if (t === N_ABS) kind = 'absolute';
    else if (t === N_SECT) kind = 'section';
    else if (t === N_INDR) kind = 'indirect';
    else if (t === 0xc) kind = 'prebound';
    else b.fail(o, `symbol ${i} (${name}): unknown n_type ${hex(type)}`);
    if (kind === 'section' && (sect === 0 || sect > sectionCount)) b.fail(o, `symbol ${i} (${name}): n_sect ${sect} names no section (there are ${sectionCount})`);
    symbols.push({
      index: i,
      name,
      type,
      sect,
      desc,
      value,
      stab,
      external: (type & N_EXT) !== 0,
      privateExternal: (type & N_PEXT) !== 0,
      kind,
      libraryOrdinal: (desc >> 8) & 0xff,
      weakReference: (desc & N_WEAK_REF) !== 0,
    });
  }
  return symbols;
}

/* ---- fixups: opcodes and chains ---------------------------------------------------------------- */

const BIND_OPCODE = {
  DONE: 0x00,
  SET_DYLIB_ORDINAL_IMM: 0x10,
  SET_DYLIB_ORDINAL_ULEB: 0x20,
  SET_DYLIB_SPECIAL_IMM: 0x30,
  SET_SYMBOL_TRAILING_FLAGS_IMM: 0x40,
  SET_TYPE_IMM: 0x50,
  SET_ADDEND_SLEB: 0x60,
  SET_SEGMENT_AND_OFFSET_ULEB: 0x70,
  ADD_ADDR_ULEB: 0x80,
  DO_BIND: 0x90,
  DO_BIND_ADD_ADDR_ULEB: 0xa0,
  DO_BIND_ADD_ADDR_IMM_SCALED: 0xb0,
  DO_BIND_ULEB_TIMES_SKIPPING_ULEB: 0xc0,
  THREADED: 0xd0,
} as const;

const REBASE_OPCODE = {
  DONE: 0x00,
  SET_TYPE_IMM: 0x10,
  SET_SEGMENT_AND_OFFSET_ULEB: 0x20,
  ADD_ADDR_ULEB: 0x30,
  ADD_ADDR_IMM_SCALED: 0x40,
  DO_REBASE_IMM_TIMES: 0x50,
  DO_REBASE_ULEB_TIMES: 0x60,
  DO_REBASE_ADD_ADDR_ULEB: 0x70,
  DO_REBASE_ULEB_TIMES_SKIPPING_ULEB: 0x80,
} as const;

class Fixups {
  readonly binds: Bind[] = [];
  readonly rebases: Rebase[] = [];

  constructor(
    private readonly b: Bytes,
    private readonly segments: readonly Segment[],
    private readonly dylibCount: number,
  ) {}

  private checkOrdinal(ordinal: number, at: number, what: string): void {
    if (ordinal > this.dylibCount) this.b.fail(at, `${what}: dylib ordinal ${ordinal}, but the image loads ${this.dylibCount} dylibs`);
    if (ordinal < BIND_SPECIAL_DYLIB_WEAK_LOOKUP) this.b.fail(at, `${what}: special dylib ordinal ${ordinal} is not one dyld knows`);
  }

  private count(at: number): void {
    if (this.binds.length + this.rebases.length >= MAX_FIXUPS) this.b.fail(at, `more than ${MAX_FIXUPS} fixups`);
  }

  private segment(index: number, at: number, what: string): Segment {
    const segment = this.segments[index];
    if (segment === undefined) this.b.fail(at, `${what}: segment index ${index}, but there are ${this.segments.length} segments`);
    return segment;
  }

  /** Checks `times` pointers starting at `offset` in `segment`, `stride` bytes apart, all lie inside it. */
  private inSegment(segment: Segment, offset: bigint, times: bigint, stride: bigint, at: number, what: string): void {
    if (times === 0n) return;
    const last = offset + (times - 1n) * stride;
    if (offset < 0n || last + BigInt(PTR_SIZE) > segment.vmsize) {
      this.b.fail(
        at,
        `${what}: ${times === 1n ? `offset ${hex(offset)}` : `${times} pointers from offset ${hex(offset)}, ${stride} bytes apart,`} past the end of segment ${segment.name} (vmsize ${hex(segment.vmsize)})`,
      );
    }
    if (times > BigInt(MAX_FIXUPS)) this.b.fail(at, `${what}: ${times} fixups at once`);
  }

  private sectionAt(segment: Segment, address: bigint): string | undefined {
    return segment.sections.find((s) => address >= s.addr && address < s.addr + s.size)?.sectname;
  }

  /** Reads the pointer-sized value at an address inside `segment` (0 beyond its file contents). */
  private pointerAt(segment: Segment, address: bigint, at: number): bigint {
    const offset = address - segment.vmaddr;
    if (offset + BigInt(PTR_SIZE) > BigInt(segment.filesize)) return 0n;
    return this.b.u64(segment.fileoff + Number(offset), `the pointer at ${hex(address)}`);
  }

  rebaseOpcodes([start, size]: readonly [number, number], commandAt: number): void {
    if (size === 0) return;
    const b: Bytes = this.b;
    const end = start + size;
    b.need(start, size, 'rebase info');
    let type = 0;
    let segment: Segment | undefined;
    let offset = 0n;
    let p = start;
    const doRebase = (times: bigint, skip: bigint, at: number, what: string): void => {
      if (segment === undefined) b.fail(at, `${what} before REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB`);
      if (type === 0) b.fail(at, `${what} before REBASE_OPCODE_SET_TYPE_IMM`);
      this.inSegment(segment, offset, times, skip + BigInt(PTR_SIZE), at, what);
      for (let i = 0n; i < times; i++) {
        this.count(at);
        const address = segment.vmaddr + offset;
        this.rebases.push({
          source: 'rebase',
          address,
          segment: segment.name,
          section: this.sectionAt(segment, address),
          type,
          target: type === REBASE_TYPE_POINTER ? this.pointerAt(segment, address, at) : 0n,
          fileOffset: b.base + at,
        });
        offset += skip + BigInt(PTR_SIZE);
      }
    };
    while (p < end) {
      const at = p;
      const byte = b.u8(p++, 'rebase opcode');
      const opcode = byte & 0xf0;
      const imm = byte & 0x0f;
      switch (opcode) {
        case REBASE_OPCODE.DONE:
          return;
        case REBASE_OPCODE.SET_TYPE_IMM:
          if (imm < 1 || imm > 3) b.fail(at, `REBASE_OPCODE_SET_TYPE_IMM: unknown rebase type ${imm}`);
          type = imm;
          break;
        case REBASE_OPCODE.SET_SEGMENT_AND_OFFSET_ULEB: {
          segment = this.segment(imm, at, 'REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB');
          const r = b.uleb(p, end, 'REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB');
          offset = r.value;
          p = r.next;
          break;
        }
        case REBASE_OPCODE.ADD_ADDR_ULEB: {
          const r = b.uleb(p, end, 'REBASE_OPCODE_ADD_ADDR_ULEB');
          offset = BigInt.asUintN(64, offset + r.value);
          p = r.next;
          break;
        }
        case REBASE_OPCODE.ADD_ADDR_IMM_SCALED:
          offset += BigInt(imm * PTR_SIZE);
          break;
        case REBASE_OPCODE.DO_REBASE_IMM_TIMES:
          doRebase(BigInt(imm), 0n, at, 'REBASE_OPCODE_DO_REBASE_IMM_TIMES');
          break;
        case REBASE_OPCODE.DO_REBASE_ULEB_TIMES: {
          const r = b.uleb(p, end, 'REBASE_OPCODE_DO_REBASE_ULEB_TIMES');
          p = r.next;
          doRebase(r.value, 0n, at, 'REBASE_OPCODE_DO_REBASE_ULEB_TIMES');
          break;
        }
        case REBASE_OPCODE.DO_REBASE_ADD_ADDR_ULEB: {
          const r = b.uleb(p, end, 'REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB');
          p = r.next;
          doRebase(1n, r.value, at, 'REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB');
          break;
        }
        case REBASE_OPCODE.DO_REBASE_ULEB_TIMES_SKIPPING_ULEB: {
          const times = b.uleb(p, end, 'REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB count');
          const skip = b.uleb(times.next, end, 'REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB skip');
          p = skip.next;
          doRebase(times.value, skip.value, at, 'REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB');
          break;
        }
        default:
          b.fail(at, `unknown rebase opcode ${hex(byte)} (rebase info of the LC_DYLD_INFO at slice offset ${hex(commandAt)})`);
      }
    }
  }

  bindOpcodes(source: 'bind' | 'weak_bind' | 'lazy_bind', [start, size]: readonly [number, number], commandAt: number): void {
    if (size === 0) return;
    const b: Bytes = this.b;
    const end = start + size;
    b.need(start, size, `${source} info`);
    const fresh = () => ({ ordinal: 0, ordinalSet: false, symbol: '', flags: 0, type: BIND_TYPE_POINTER, addend: 0n, segment: undefined as Segment | undefined, offset: 0n });
    let s = fresh();
    let p = start;
    const doBind = (times: bigint, skip: bigint, at: number, what: string): void => {
      const segment = s.segment;
      if (segment === undefined) b.fail(at, `${source}: ${what} before BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB`);
      if (s.symbol === '') b.fail(at, `${source}: ${what} before BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM`);
      if (source !== 'weak_bind' && !s.ordinalSet) b.fail(at, `${source}: ${what} of ${s.symbol} before a dylib ordinal was set`);
      this.inSegment(segment, s.offset, times, skip + BigInt(PTR_SIZE), at, `${source}: ${what} of ${s.symbol}`);
      for (let i = 0n; i < times; i++) {
        this.count(at);
        const address = segment.vmaddr + s.offset;
        this.binds.push({
          source,
          address,
          segment: segment.name,
          section: this.sectionAt(segment, address),
          ordinal: s.ordinal,
          symbol: s.symbol,
          weakImport: (s.flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT) !== 0,
          nonWeakDefinition: false,
          type: s.type,
          addend: s.addend,
          fileOffset: b.base + at,
        });
        s.offset = BigInt.asUintN(64, s.offset + skip + BigInt(PTR_SIZE));
      }
    };
    while (p < end) {
      const at = p;
      const byte = b.u8(p++, `${source} opcode`);
      const opcode = byte & 0xf0;
      const imm = byte & 0x0f;
      switch (opcode) {
        case BIND_OPCODE.DONE:
          if (source !== 'lazy_bind') return;
          /* Lazy binding info is one entry per stub, each ending with DONE; dyld reads each from a fresh state. */
          s = fresh();
          break;
        case BIND_OPCODE.SET_DYLIB_ORDINAL_IMM:
          this.checkOrdinal(imm, at, `${source}: BIND_OPCODE_SET_DYLIB_ORDINAL_IMM`);
          s.ordinal = imm;
          s.ordinalSet = true;
          break;
        case BIND_OPCODE.SET_DYLIB_ORDINAL_ULEB: {
          const r = b.uleb(p, end, `${source}: BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB`);
          if (r.value > 0xffffn) b.fail(at, `${source}: dylib ordinal ${r.value} is implausibly large`);
          this.checkOrdinal(Number(r.value), at, `${source}: BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB`);
          s.ordinal = Number(r.value);
          s.ordinalSet = true;
          p = r.next;
          break;
        }
        case BIND_OPCODE.SET_DYLIB_SPECIAL_IMM:
          s.ordinal = imm === 0 ? 0 : ((imm | 0xf0) << 24) >> 24;
          this.checkOrdinal(s.ordinal, at, `${source}: BIND_OPCODE_SET_DYLIB_SPECIAL_IMM`);
          s.ordinalSet = true;
          break;
        case BIND_OPCODE.SET_SYMBOL_TRAILING_FLAGS_IMM: {
          s.flags = imm;
          const name = b.cstringAt(p, end, `${source}: BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM symbol name`);
          s.symbol = name.text;
          p = name.next;
          if (source === 'weak_bind' && (imm & BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION) !== 0) {
            this.count(at);
            this.binds.push({
              source,
              address: 0n,
              segment: '',
              section: undefined,
              ordinal: 0,
              symbol: s.symbol,
              weakImport: false,
              nonWeakDefinition: true,
              type: 0,
              addend: 0n,
              fileOffset: b.base + at,
            });
          }
          break;
        }
        case BIND_OPCODE.SET_TYPE_IMM:
          if (imm < 1 || imm > 3) b.fail(at, `${source}: BIND_OPCODE_SET_TYPE_IMM: unknown bind type ${imm}`);
          s.type = imm;
          break;
        case BIND_OPCODE.SET_ADDEND_SLEB: {
          const r = b.sleb(p, end, `${source}: BIND_OPCODE_SET_ADDEND_SLEB`);
          s.addend = r.value;
          p = r.next;
          break;
        }
        case BIND_OPCODE.SET_SEGMENT_AND_OFFSET_ULEB: {
          s.segment = this.segment(imm, at, `${source}: BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB`);
          const r = b.uleb(p, end, `${source}: BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB`);
          s.offset = r.value;
          p = r.next;
          break;
        }
        case BIND_OPCODE.ADD_ADDR_ULEB: {
          const r = b.uleb(p, end, `${source}: BIND_OPCODE_ADD_ADDR_ULEB`);
          s.offset = BigInt.asUintN(64, s.offset + r.value);
          p = r.next;
          break;
        }
        case BIND_OPCODE.DO_BIND:
          doBind(1n, 0n, at, 'BIND_OPCODE_DO_BIND');
          break;
        case BIND_OPCODE.DO_BIND_ADD_ADDR_ULEB: {
          const r = b.uleb(p, end, `${source}: BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB`);
          p = r.next;
          doBind(1n, 0n, at, 'BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB');
          s.offset = BigInt.asUintN(64, s.offset + r.value);
          break;
        }
        case BIND_OPCODE.DO_BIND_ADD_ADDR_IMM_SCALED:
          doBind(1n, 0n, at, 'BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED');
          s.offset += BigInt(imm * PTR_SIZE);
          break;
        case BIND_OPCODE.DO_BIND_ULEB_TIMES_SKIPPING_ULEB: {
          const times = b.uleb(p, end, `${source}: BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB count`);
          const skip = b.uleb(times.next, end, `${source}: BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB skip`);
          p = skip.next;
          doBind(times.value, skip.value, at, 'BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB');
          break;
        }
        case BIND_OPCODE.THREADED:
          b.fail(at, `${source}: BIND_OPCODE_THREADED (arm64e threaded binds) is not supported`);
          break;
        default:
          b.fail(at, `${source}: unknown bind opcode ${hex(byte)} (LC_DYLD_INFO at slice offset ${hex(commandAt)})`);
      }
    }
  }

  chainedFixups(dataoff: number, datasize: number): NonNullable<MachSlice['chainedFixups']> {
    const b: Bytes = this.b;
    const end = dataoff + datasize;
    const what = 'LC_DYLD_CHAINED_FIXUPS';
    b.need(dataoff, 28, `${what} header`);
    const version = b.u32(dataoff, 'fixups_version');
    if (version !== 0) b.fail(dataoff, `${what}: fixups_version ${version}, only 0 is known`);
    const startsOffset = b.u32(dataoff + 4, 'starts_offset');
    const importsOffset = b.u32(dataoff + 8, 'imports_offset');
    const symbolsOffset = b.u32(dataoff + 12, 'symbols_offset');
    const importsCount = b.u32(dataoff + 16, 'imports_count');
    const importsFormat = b.u32(dataoff + 20, 'imports_format');
    const symbolsFormat = b.u32(dataoff + 24, 'symbols_format');
    if (symbolsFormat !== 0) b.fail(dataoff + 24, `${what}: symbols_format ${symbolsFormat} (compressed symbol names) is not supported`);
    const importSize = importsFormat === DYLD_CHAINED_IMPORT ? 4 : importsFormat === DYLD_CHAINED_IMPORT_ADDEND ? 8 : importsFormat === DYLD_CHAINED_IMPORT_ADDEND64 ? 16 : 0;
    if (importSize === 0) b.fail(dataoff + 20, `${what}: unknown imports_format ${importsFormat}`);
    const inData = (offset: number, size: number, title: string): void => {
      if (offset + size > datasize) b.fail(dataoff + Math.min(offset, datasize), `${what}: ${title} (${hex(offset)}+${size}) lies outside the fixups data (${datasize} bytes)`);
    };
    inData(importsOffset, importsCount * importSize, `${importsCount} imports`);
    inData(symbolsOffset, 0, 'the symbol names');
    const imports: ChainedImport[] = [];
    for (let i = 0; i < importsCount; i++) {
      const o = dataoff + importsOffset + i * importSize;
      let ordinal: number;
      let weakImport: boolean;
      let nameOffset: number;
      let addend = 0n;
      if (importsFormat === DYLD_CHAINED_IMPORT_ADDEND64) {
        const raw = b.u64(o, 'dyld_chained_import_addend64');
        const ord16 = Number(raw & 0xffffn);
        ordinal = ord16 >= 0xfff0 ? ord16 - 0x10000 : ord16;
        weakImport = ((raw >> 16n) & 1n) === 1n;
        nameOffset = Number(raw >> 32n);
        addend = BigInt.asIntN(64, b.u64(o + 8, 'import addend'));
      } else {
        const raw = b.u32(o, 'dyld_chained_import');
        const ord8 = raw & 0xff;
        ordinal = ord8 >= 0xf0 ? ord8 - 0x100 : ord8;
        weakImport = ((raw >>> 8) & 1) === 1;
        nameOffset = raw >>> 9;
        if (importsFormat === DYLD_CHAINED_IMPORT_ADDEND) addend = BigInt(b.i32(o + 4, 'import addend'));
      }
      this.checkOrdinal(ordinal, o, `${what}: import ${i}`);
      const nameAt = dataoff + symbolsOffset + nameOffset;
      if (symbolsOffset + nameOffset >= datasize) b.fail(o, `${what}: import ${i}: name offset ${nameOffset} lies outside the fixups data`);
      imports.push({ ordinal, weakImport, name: b.cstring(nameAt, end, `${what}: import ${i} name`), addend });
    }

    inData(startsOffset, 4, 'dyld_chained_starts_in_image');
    const startsAt = dataoff + startsOffset;
    const segCount = b.u32(startsAt, 'seg_count');
    inData(startsOffset + 4, segCount * 4, `seg_info_offset[${segCount}]`);
    if (segCount > this.segments.length) b.fail(startsAt, `${what}: seg_count ${segCount}, but there are ${this.segments.length} segments`);
    const imageBase = this.segments.find((s) => s.fileoff === 0 && s.filesize > 0)?.vmaddr ?? 0n;
    const pointerFormats = new Set<number>();
    for (let si = 0; si < segCount; si++) {
      const infoOffset = b.u32(startsAt + 4 + si * 4, 'seg_info_offset');
      if (infoOffset === 0) continue;
      const segment = this.segment(si, startsAt, what);
      const so = startsAt + infoOffset;
      inData(startsOffset + infoOffset, 22, `dyld_chained_starts_in_segment of ${segment.name}`);
      const pageSize = b.u16(so + 4, 'page_size');
      const format = b.u16(so + 6, 'pointer_format');
      const segmentOffset = b.u64(so + 8, 'segment_offset');
      const pageCount = b.u16(so + 20, 'page_count');
      inData(startsOffset + infoOffset + 22, pageCount * 2, `page_start[${pageCount}] of ${segment.name}`);
      const stride = chainStride(format);
      if (stride === 0) b.fail(so + 6, `${what}: pointer_format ${format} in ${segment.name} is not supported (DYLD_CHAINED_PTR_64, _64_OFFSET, ARM64E, ARM64E_USERLAND, ARM64E_USERLAND24 are)`);
      if (pageSize === 0) b.fail(so + 4, `${what}: page_size 0 in ${segment.name}`);
      if (imageBase + segmentOffset !== segment.vmaddr) {
        b.fail(so + 8, `${what}: segment_offset ${hex(segmentOffset)} of ${segment.name} does not match its address ${hex(segment.vmaddr)} (image base ${hex(imageBase)})`);
      }
      pointerFormats.add(format);
      for (let page = 0; page < pageCount; page++) {
        const start = b.u16(so + 22 + page * 2, 'page_start');
        if (start === 0xffff) continue;
        if ((start & 0x8000) !== 0) b.fail(so + 22 + page * 2, `${what}: DYLD_CHAINED_PTR_START_MULTI in a 64-bit format (page ${page} of ${segment.name})`);
        let offset = BigInt(page * pageSize + start);
        for (;;) {
          const at = so + 22 + page * 2;
          this.inSegment(segment, offset, 1n, 0n, at, `${what}: chain in page ${page} of ${segment.name}`);
          if (offset + BigInt(PTR_SIZE) > BigInt(segment.filesize)) b.fail(at, `${what}: chain in page ${page} of ${segment.name} reaches offset ${hex(offset)}, beyond the segment's file contents`);
          const fileAt = segment.fileoff + Number(offset);
          const raw = b.u64(fileAt, 'chained pointer');
          const next = this.chainedPointer(raw, format, segment, segment.vmaddr + offset, fileAt, imports, imageBase);
          if (next === 0n) break;
          offset += next * BigInt(stride);
        }
      }
    }
    return { dataoff, datasize, imports, pointerFormats: [...pointerFormats] };
  }

  /** Decodes one chained pointer into a bind or a rebase; returns its `next` field. */
  private chainedPointer(raw: bigint, format: number, segment: Segment, address: bigint, fileAt: number, imports: readonly ChainedImport[], imageBase: bigint): bigint {
    const bits = (from: number, width: number): bigint => (raw >> BigInt(from)) & ((1n << BigInt(width)) - 1n);
    const b: Bytes = this.b;
    this.count(fileAt);
    const section = this.sectionAt(segment, address);
    const bind = (ordinalBits: bigint, addend: bigint): void => {
      const ordinal = Number(ordinalBits);
      const target = imports[ordinal];
      if (target === undefined) b.fail(fileAt, `chained bind at ${hex(address)} names import ${ordinal}, but there are ${imports.length}`);
      this.binds.push({
        source: 'chained',
        address,
        segment: segment.name,
        section,
        ordinal: target.ordinal,
        symbol: target.name,
        weakImport: target.weakImport,
        nonWeakDefinition: false,
        type: BIND_TYPE_POINTER,
        addend: target.addend + addend,
        fileOffset: b.base + fileAt,
      });
    };
    const rebase = (target: bigint): void => {
      this.rebases.push({ source: 'chained', address, segment: segment.name, section, type: REBASE_TYPE_POINTER, target, fileOffset: b.base + fileAt });
    };
    switch (format) {
      case DYLD_CHAINED_PTR_64:
      case DYLD_CHAINED_PTR_64_OFFSET: {
        const next = bits(51, 12);
        if (bits(63, 1) === 1n) {
          bind(bits(0, 24), bits(24, 8));
        } else {
          const target = bits(0, 36) | (bits(36, 8) << 56n);
          rebase(format === DYLD_CHAINED_PTR_64 ? target : imageBase + target);
        }
        return next;
      }
      case DYLD_CHAINED_PTR_ARM64E:
      case DYLD_CHAINED_PTR_ARM64E_USERLAND:
      case DYLD_CHAINED_PTR_ARM64E_USERLAND24: {
        const next = bits(51, 11);
        const isBind = bits(62, 1) === 1n;
        const isAuth = bits(63, 1) === 1n;
        const ordinalWidth = format === DYLD_CHAINED_PTR_ARM64E_USERLAND24 ? 24 : 16;
        if (isBind) {
          bind(bits(0, ordinalWidth), isAuth ? 0n : BigInt.asIntN(19, bits(32, 19)));
        } else if (isAuth) {
          rebase(imageBase + bits(0, 32));
        } else {
          const target = bits(0, 43) | (bits(43, 8) << 56n);
          rebase(format === DYLD_CHAINED_PTR_ARM64E ? target : imageBase + target);
        }
        return next;
      }
      default:
        return b.fail(fileAt, `chained pointer format ${format} is not supported`);
    }
  }
}

function chainStride(format: number): number {
  switch (format) {
    case DYLD_CHAINED_PTR_64:
    case DYLD_CHAINED_PTR_64_OFFSET:
      return 4;
    case DYLD_CHAINED_PTR_ARM64E:
    case DYLD_CHAINED_PTR_ARM64E_USERLAND:
    case DYLD_CHAINED_PTR_ARM64E_USERLAND24:
      return 8;
    default:
      return 0;
  }
}

/* ---- questions asked of a slice ---------------------------------------------------------------- */

export function findSection(slice: MachSlice, segname: string, sectname: string): Section | undefined {
  return slice.sections.find((s) => s.segname === segname && s.sectname === sectname);
}

/** The libSystem-style ordinal of a dylib by install name (1-based), or undefined. */
export function dylibOrdinal(slice: MachSlice, installName: string): number | undefined {
  return slice.dylibs.find((d) => d.name === installName)?.ordinal;
}

/** Defined (N_SECT, non-debug) symbols whose value is exactly `address`. */
export function symbolsAt(slice: MachSlice, address: bigint): Nlist[] {
  return slice.symbols.filter((s) => s.kind === 'section' && s.value === address);
}

export function sectionOfSymbol(slice: MachSlice, symbol: Nlist): Section | undefined {
  return symbol.kind === 'section' ? slice.sections[symbol.sect - 1] : undefined;
}

export type ResolvedPointer =
  | { readonly kind: 'bind'; readonly address: bigint; readonly bind: Bind }
  | { readonly kind: 'rebase'; readonly address: bigint; readonly target: bigint; readonly rebase: Rebase }
  | { readonly kind: 'none'; readonly address: bigint; readonly raw: bigint };

/**
 * What dyld puts in the pointer at `address`: the symbol bound there (bind, lazy bind or chained
 * bind; weak_bind entries are coalescing notices, not imports), or the unslid address a rebase
 * makes it point to, or — with no fixup — the raw value.
 */
export function resolvePointer(slice: MachSlice, address: bigint): ResolvedPointer {
  const bind = slice.binds.find((x) => x.address === address && x.source !== 'weak_bind' && x.source !== 'lazy_bind') ?? slice.binds.find((x) => x.address === address && x.source === 'lazy_bind');
  if (bind !== undefined) return { kind: 'bind', address, bind };
  const rebase = slice.rebases.find((x) => x.address === address);
  if (rebase !== undefined) return { kind: 'rebase', address, target: rebase.target, rebase };
  const segment = slice.segments.find((s) => address >= s.vmaddr && address + BigInt(PTR_SIZE) <= s.vmaddr + s.vmsize);
  const b: Bytes = new Bytes(slice.bytes, slice.file, slice.arch, slice.fileOffset);
  if (segment === undefined) b.fail(0, `no segment holds a pointer at ${hex(address)}`);
  const offset = address - segment.vmaddr;
  const raw = offset + BigInt(PTR_SIZE) <= BigInt(segment.filesize) ? b.u64(segment.fileoff + Number(offset), `the pointer at ${hex(address)}`) : 0n;
  return { kind: 'none', address, raw };
}

/* ---- the code signature ------------------------------------------------------------------------ */

const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;

/** Reads the embedded signature's SuperBlob and its CodeDirectories (big-endian, like all of <kern/cs_blobs.h>). */
export function parseCodeSignature(slice: MachSlice): CodeSignature | undefined {
  const sig = slice.codeSignature;
  if (sig === undefined) return undefined;
  const b: Bytes = new Bytes(slice.bytes, slice.file, slice.arch, slice.fileOffset);
  const at = sig.dataoff;
  const magic = b.u32(at, 'SuperBlob magic', true);
  if (magic !== CSMAGIC_EMBEDDED_SIGNATURE) b.fail(at, `code signature magic ${hex(magic)} is not CSMAGIC_EMBEDDED_SIGNATURE (0xfade0cc0)`);
  const length = b.u32(at + 4, 'SuperBlob length', true);
  if (length > sig.datasize || length < 12) b.fail(at + 4, `SuperBlob length ${length} does not fit LC_CODE_SIGNATURE's ${sig.datasize} bytes`);
  const count = b.u32(at + 8, 'SuperBlob count', true);
  if (12 + count * 8 > length) b.fail(at + 8, `SuperBlob: ${count} index entries do not fit in ${length} bytes`);
  const codeDirectories: CodeDirectory[] = [];
  for (let i = 0; i < count; i++) {
    const blobOffset = b.u32(at + 12 + i * 8 + 4, 'BlobIndex offset', true);
    if (blobOffset + 8 > length) b.fail(at + 12 + i * 8, `SuperBlob index ${i}: blob offset ${blobOffset} lies outside the signature`);
    const cd = at + blobOffset;
    if (b.u32(cd, 'blob magic', true) !== CSMAGIC_CODEDIRECTORY) continue;
    const cdLength = b.u32(cd + 4, 'CodeDirectory length', true);
    if (blobOffset + cdLength > length || cdLength < 44) b.fail(cd, `CodeDirectory length ${cdLength} does not fit in the signature`);
    const version = b.u32(cd + 8, 'CodeDirectory version', true);
    const flags = b.u32(cd + 12, 'CodeDirectory flags', true);
    const hashOffset = b.u32(cd + 16, 'hashOffset', true);
    const identOffset = b.u32(cd + 20, 'identOffset', true);
    const nCodeSlots = b.u32(cd + 28, 'nCodeSlots', true);
    const codeLimit = b.u32(cd + 32, 'codeLimit', true);
    const hashSize = b.u8(cd + 36, 'hashSize');
    const hashType = b.u8(cd + 37, 'hashType');
    const pageSizeLog2 = b.u8(cd + 39, 'pageSize');
    if (identOffset >= cdLength) b.fail(cd + 20, `CodeDirectory identOffset ${identOffset} lies outside it`);
    if (hashSize === 0 || hashSize > 64) b.fail(cd + 36, `CodeDirectory hashSize ${hashSize} is not a hash size`);
    if (hashOffset + nCodeSlots * hashSize > cdLength) b.fail(cd + 16, `CodeDirectory: ${nCodeSlots} hashes of ${hashSize} bytes at ${hashOffset} do not fit in ${cdLength} bytes`);
    const codeSlots: Uint8Array[] = [];
    for (let slot = 0; slot < nCodeSlots; slot++) {
      const o = cd + hashOffset + slot * hashSize;
      b.need(o, hashSize, `code slot ${slot}`);
      codeSlots.push(slice.bytes.subarray(o, o + hashSize));
    }
    codeDirectories.push({
      offset: cd,
      version,
      flags,
      identifier: b.cstring(cd + identOffset, cd + cdLength, 'CodeDirectory identifier'),
      hashType,
      hashSize,
      pageSizeLog2,
      codeLimit,
      codeSlots,
    });
  }
  return { ...sig, codeDirectories };
}
