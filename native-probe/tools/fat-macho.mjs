#!/usr/bin/env node
/**
 * Joins thin 64-bit Mach-O files (one per architecture) into one universal ("fat") file, the way
 * `lipo -create` does; Zig links each slice but has no lipo.
 *
 * Usage: node fat-macho.mjs -o OUT SLICE...
 *
 * The layout (<mach-o/fat.h>; every field a big-endian uint32, whatever the slices' byte order):
 *
 *   fat_header  { magic = FAT_MAGIC 0xcafebabe, nfat_arch }
 *   fat_arch    { cputype, cpusubtype, offset, size, align }   × nfat_arch, in the order given
 *   zero padding, then each slice's bytes unchanged at `offset`
 *
 * cputype and cpusubtype are copied from each slice's mach_header_64. Each slice starts at an
 * offset aligned to its page size, recorded as a power of two in `align`: 2^14 for arm64 (16 KiB
 * pages), 2^12 for x86_64. The slices are copied byte for byte, so their code signatures stay
 * valid. FAT_MAGIC's offsets and sizes are 32-bit: the output must stay under 4 GiB.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const FAT_MAGIC = 0xcafebabe;
const MH_MAGIC_64 = 0xfeedfacf;
const FAT_HEADER_SIZE = 8;
const FAT_ARCH_SIZE = 20;
const MACH_HEADER_64_SIZE = 32;

/** cputype → [name, log2 of the alignment of its slice]. */
const CPU_TYPES = new Map([
  [0x0100000c, ['arm64', 14]],
  [0x01000007, ['x86_64', 12]],
]);

function fail(message) {
  console.error(`fat-macho: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  let out;
  const inputs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o') {
      out = argv[++i];
      if (out === undefined) fail('-o needs a file name');
    } else {
      inputs.push(argv[i]);
    }
  }
  if (out === undefined || inputs.length === 0) fail('usage: node fat-macho.mjs -o OUT SLICE...');
  return { out, inputs };
}

function readSlice(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    fail(`cannot read ${path}: ${error.message}`);
  }
  if (bytes.length < MACH_HEADER_64_SIZE) fail(`${path}: ${bytes.length} bytes, too short for a mach_header_64`);
  const magic = bytes.readUInt32LE(0);
  if (magic !== MH_MAGIC_64) fail(`${path}: magic 0x${magic.toString(16)} at offset 0 is not MH_MAGIC_64 (0xfeedfacf): not a thin 64-bit little-endian Mach-O`);
  const cputype = bytes.readUInt32LE(4);
  const cpusubtype = bytes.readUInt32LE(8);
  const known = CPU_TYPES.get(cputype);
  if (known === undefined) fail(`${path}: cputype 0x${cputype.toString(16)} is neither arm64 nor x86_64`);
  return { path, bytes, cputype, cpusubtype, name: known[0], align: known[1] };
}

function alignUp(value, log2) {
  const unit = 2 ** log2;
  return Math.ceil(value / unit) * unit;
}

const { out, inputs } = parseArgs(process.argv.slice(2));
const slices = inputs.map(readSlice);
for (let i = 0; i < slices.length; i++) {
  for (let j = 0; j < i; j++) {
    if (slices[i].cputype === slices[j].cputype) fail(`${slices[j].path} and ${slices[i].path} are both ${slices[i].name}`);
  }
}

let offset = FAT_HEADER_SIZE + FAT_ARCH_SIZE * slices.length;
for (const slice of slices) {
  slice.offset = alignUp(offset, slice.align);
  offset = slice.offset + slice.bytes.length;
}
if (offset > 0xffffffff) fail(`the universal file would be ${offset} bytes; FAT_MAGIC's 32-bit offsets stop at 4 GiB`);

const fat = Buffer.alloc(offset);
fat.writeUInt32BE(FAT_MAGIC, 0);
fat.writeUInt32BE(slices.length, 4);
slices.forEach((slice, i) => {
  const at = FAT_HEADER_SIZE + FAT_ARCH_SIZE * i;
  fat.writeUInt32BE(slice.cputype, at);
  fat.writeUInt32BE(slice.cpusubtype, at + 4);
  fat.writeUInt32BE(slice.offset, at + 8);
  fat.writeUInt32BE(slice.bytes.length, at + 12);
  fat.writeUInt32BE(slice.align, at + 16);
  slice.bytes.copy(fat, slice.offset);
});

const temporary = `${out}.${process.pid}.tmp`;
writeFileSync(temporary, fat, { mode: 0o755 });
renameSync(temporary, out);
console.log(
  `fat-macho: ${basename(out)}: ${slices.map((s) => `${s.name} at 0x${s.offset.toString(16)} (${s.bytes.length} bytes, align 2^${s.align})`).join(', ')}`,
);
