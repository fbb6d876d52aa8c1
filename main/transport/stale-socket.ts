/**
 * Before listening on a socket path: a socket file left behind by a broker that died is
 * removed; a socket some live broker still answers on is not touched; anything that is
 * not a socket is never deleted.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';

const PROBE_TIMEOUT_MS = 1000;

type ProbeResult = 'live' | 'dead';

/** Connects once to `path`: 'live' if something accepts, 'dead' if the kernel says nobody listens. */
function probe(path: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      // A listener whose backlog is full still exists: treat as live rather than delete it.
      socket.destroy();
      resolve('live');
    }, PROBE_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve('dead');
      else reject(new Error(`cannot probe existing socket ${path}: ${error.message}`));
    });
  });
}

export async function claimSocketPath(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`cannot inspect socket path ${path}: ${(error as Error).message}`);
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if ((await probe(path)) === 'live') throw new Error(`another broker is listening on ${path}`);
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot remove stale socket ${path}: ${(error as Error).message}`);
    }
  }
}
