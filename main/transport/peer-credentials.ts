/**
 * Who is on the other end of a Unix-domain socket, as the kernel recorded it at connect
 * time (SO_PEERCRED on Linux, LOCAL_PEERCRED + LOCAL_PEERPID on macOS). Nothing here
 * trusts what the peer says about itself.
 */
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import koffi from 'koffi';
import { socketFd } from './socket-fd';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;

interface PlatformReader {
  read(fd: number, getsockopt: GetSockOpt): PeerCredentials;
}

// Linux: struct ucred { pid_t pid; uid_t uid; gid_t gid; }
const LINUX_SOL_SOCKET = 1;
const LINUX_SO_PEERCRED = 17;
const UCRED_SIZE = 12;

// macOS: struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]; }
const DARWIN_SOL_LOCAL = 0;
const DARWIN_LOCAL_PEERCRED = 0x001;
const DARWIN_LOCAL_PEERPID = 0x002;
const XUCRED_VERSION = 0;
const XUCRED_SIZE = 76;
const XUCRED_UID_OFFSET = 4;
const XUCRED_NGROUPS_OFFSET = 8;
const XUCRED_GROUPS_OFFSET = 12;

const linuxReader: PlatformReader = {
  read(fd, getsockopt) {
    const buf = readOption(getsockopt, fd, LINUX_SOL_SOCKET, LINUX_SO_PEERCRED, UCRED_SIZE, 'SO_PEERCRED');
    return { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) };
  },
};

const darwinReader: PlatformReader = {
  read(fd, getsockopt) {
    const cred = readOption(getsockopt, fd, DARWIN_SOL_LOCAL, DARWIN_LOCAL_PEERCRED, XUCRED_SIZE, 'LOCAL_PEERCRED');
    const version = cred.readUInt32LE(0);
    if (version !== XUCRED_VERSION) throw new Error(`LOCAL_PEERCRED returned xucred version ${version}, expected ${XUCRED_VERSION}`);
    if (cred.readInt16LE(XUCRED_NGROUPS_OFFSET) < 1) throw new Error('LOCAL_PEERCRED returned no groups for the peer');
    const pidBuf = readOption(getsockopt, fd, DARWIN_SOL_LOCAL, DARWIN_LOCAL_PEERPID, 4, 'LOCAL_PEERPID');
    return {
      pid: pidBuf.readInt32LE(0),
      uid: cred.readUInt32LE(XUCRED_UID_OFFSET),
      // The first group of the credential is the effective gid.
      gid: cred.readUInt32LE(XUCRED_GROUPS_OFFSET),
    };
  },
};

const LIBC_BY_PLATFORM: Partial<Record<NodeJS.Platform, { path: string; reader: PlatformReader }>> = {
  linux: { path: 'libc.so.6', reader: linuxReader },
  darwin: { path: '/usr/lib/libSystem.B.dylib', reader: darwinReader },
};

let cached: { getsockopt: GetSockOpt; reader: PlatformReader } | undefined;

function platformBinding(): { getsockopt: GetSockOpt; reader: PlatformReader } {
  if (cached) return cached;
  const entry = LIBC_BY_PLATFORM[process.platform];
  if (!entry) throw new Error(`reading peer credentials is not supported on platform ${process.platform}`);
  const lib = koffi.load(entry.path);
  const fn = lib.func('int getsockopt(int fd, int level, int optname, void *optval, _Inout_ uint32_t *optlen)');
  const getsockopt: GetSockOpt = (fd, level, name, value, length) => fn(fd, level, name, value, length) as number;
  cached = { getsockopt, reader: entry.reader };
  return cached;
}

function readOption(getsockopt: GetSockOpt, fd: number, level: number, name: number, size: number, label: string): Buffer {
  const buf = Buffer.alloc(size);
  const length = [size];
  if (getsockopt(fd, level, name, buf, length) !== 0) {
    const errno = koffi.errno();
    throw new Error(`getsockopt(${label}) on fd ${fd} failed: ${errnoName(errno)} (errno ${errno})`);
  }
  if (length[0] !== size) throw new Error(`getsockopt(${label}) on fd ${fd} returned ${length[0]} bytes, expected ${size}`);
  return buf;
}

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return 'unknown error';
  }
}

/** The kernel's record of the process at the other end of a connected Unix-domain socket. */
export function getPeerCredentials(socket: Socket): PeerCredentials {
  const fd = socketFd(socket);
  const { getsockopt, reader } = platformBinding();
  const creds = reader.read(fd, getsockopt);
  // A pid of 0 is what the kernel reports for sockets that are not Unix-domain (e.g. TCP).
  if (creds.pid <= 0) throw new Error(`kernel reported no peer process for fd ${fd} (pid ${creds.pid}); is it a Unix-domain socket?`);
  return creds;
}
