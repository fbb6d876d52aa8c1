/**
 * "uid 65534 (nobody)" for messages about a file's owner. The name comes from /etc/passwd when
 * it lists the uid; elsewhere (directory services on macOS, say) the uid alone is shown.
 */
import { readFileSync } from 'node:fs';

export function describeUid(uid: number, passwdFile = '/etc/passwd'): string {
  const name = userNameOf(uid, passwdFile);
  return name === undefined ? `uid ${uid}` : `uid ${uid} (${name})`;
}

function userNameOf(uid: number, passwdFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(passwdFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name !== undefined && name !== '' && id === String(uid)) return name;
  }
  return undefined;
}
