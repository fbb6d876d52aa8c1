/**
 * Objective-C type encodings as NSXPC sends them: a method signature like "v32@0:8@16@?24"
 * (return type, frame size, then each parameter with its frame offset) or a block signature
 * like "v@?@" (no offsets). Only splitting into types is needed to line arguments up.
 */

/** Each type of the signature in order (the return type first), without the offsets. */
export function splitSignature(signature: string): string[] | undefined {
  const types: string[] = [];
  let i = 0;
  while (i < signature.length) {
    const end = typeEnd(signature, i, 0);
    if (end === undefined || end === i) return undefined;
    types.push(signature.slice(i, end));
    i = end;
    while (i < signature.length && (isDigit(signature[i]!) || signature[i] === '-')) i++;
    if (types.length > 1024) return undefined;
  }
  return types;
}

const QUALIFIERS = 'rnNoORVAj+|';
const SIMPLE = 'cislqCISLQfdBv*#:?%tTDb';
const CLOSERS: Readonly<Record<string, string>> = { '{': '}', '(': ')', '[': ']' };

/** Index just past the type starting at i, or undefined if it is not a type. Bounded nesting. */
function typeEnd(s: string, i: number, depth: number): number | undefined {
  if (depth > 32) return undefined;
  while (i < s.length && QUALIFIERS.includes(s[i]!)) i++;
  const c = s[i];
  if (c === undefined) return undefined;
  if (c === '@') {
    if (s[i + 1] === '?') {
      i += 2;
      // A block may carry its own signature in angle brackets.
      if (s[i] === '<') {
        const close = s.indexOf('>', i);
        return close < 0 ? undefined : close + 1;
      }
      return i;
    }
    if (s[i + 1] === '"') {
      const close = s.indexOf('"', i + 2);
      return close < 0 ? undefined : close + 1;
    }
    return i + 1;
  }
  if (c === '^') return typeEnd(s, i + 1, depth + 1);
  if (c === 'b') {
    i++;
    while (i < s.length && isDigit(s[i]!)) i++;
    return i;
  }
  const closer = CLOSERS[c];
  if (closer !== undefined) {
    let level = 0;
    for (let k = i; k < s.length; k++) {
      if (s[k] === '"') {
        const q = s.indexOf('"', k + 1);
        if (q < 0) return undefined;
        k = q;
      } else if (s[k] === c) level++;
      else if (s[k] === closer && --level === 0) return k + 1;
    }
    return undefined;
  }
  return SIMPLE.includes(c) ? i + 1 : undefined;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/** `@"NSString"` → NSString; `@"<Proto>"` and plain `@` name no class. */
export function classFromType(type: string): string | undefined {
  const m = /^[rnNoORVAj]*@"([^"<]+)/.exec(type);
  return m?.[1];
}

export function isBlockType(type: string): boolean {
  return /^[rnNoORVAj]*@\?/.test(type);
}
