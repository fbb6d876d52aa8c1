/**
 * The file descriptor behind a connected net.Socket.
 *
 * Node keeps it on the private libuv handle (`socket._handle.fd`); this is the one place
 * that reaches into it, so a Node change breaks loudly here and nowhere else.
 */
import type { Socket } from 'node:net';

interface HandleWithFd {
  readonly fd?: unknown;
}

export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: HandleWithFd | null })._handle;
  if (handle === undefined || handle === null) {
    throw new Error('socket has no native handle (not connected yet, or already closed)');
  }
  const fd = handle.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
    throw new Error(`socket handle exposes no file descriptor (got ${String(fd)}); only Unix-domain sockets on Unix are supported`);
  }
  return fd;
}
