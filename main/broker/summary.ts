/**
 * A one-line, bounded summary of a message payload for event lists: `{op: "echo", n: 3}`.
 * Stops walking as soon as the budget is spent, so a huge message costs no more than a small one.
 */
import type { XpcValue } from '../../app/xpc/value';

export const SUMMARY_MAX_CHARS = 120;

export function summarizeXpc(value: XpcValue, maxChars = SUMMARY_MAX_CHARS): string {
  const out: string[] = [];
  let used = 0;
  const push = (text: string): boolean => {
    if (used >= maxChars) return false;
    out.push(text);
    used += text.length;
    return used < maxChars;
  };
  walk(value, push, 0);
  const text = out.join('');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

function walk(value: XpcValue, push: (text: string) => boolean, depth: number): boolean {
  switch (value.type) {
    case 'null':
      return push('null');
    case 'bool':
      return push(String(value.value));
    case 'int64':
    case 'uint64':
      return push(String(value.value));
    case 'double':
      return push(Number.isInteger(value.value) ? `${value.value}.0` : String(value.value));
    case 'date':
      return push(`<date ${value.value}>`);
    case 'data':
      return push(`<${value.value.length} bytes>`);
    case 'string':
      return push(JSON.stringify(value.value.length > 60 ? `${value.value.slice(0, 60)}…` : value.value));
    case 'uuid':
      return push('<uuid>');
    case 'fd':
      return push(`<fd ${value.path}>`);
    case 'shmem':
      return push(`<shmem ${value.size}>`);
    case 'error':
      return push(`<error ${JSON.stringify(value.description)}>`);
    case 'endpoint':
      return push(`<endpoint ${value.service}>`);
    case 'array': {
      if (depth > 3) return push(`[…${value.items.length}]`);
      if (!push('[')) return false;
      let first = true;
      for (const item of value.items) {
        if (!first && !push(', ')) return false;
        first = false;
        if (!walk(item, push, depth + 1)) return false;
      }
      return push(']');
    }
    case 'dictionary': {
      if (depth > 3) return push(`{…${value.entries.size}}`);
      if (!push('{')) return false;
      let first = true;
      for (const [key, item] of value.entries) {
        if (!first && !push(', ')) return false;
        first = false;
        if (!push(`${key}: `)) return false;
        if (!walk(item, push, depth + 1)) return false;
      }
      return push('}');
    }
  }
}
