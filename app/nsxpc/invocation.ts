/**
 * What an NSXPC `root` payload means: an invocation is [selector, method signature, arguments];
 * a reply is [null, block signature, arguments]. Arguments are lined up with the signature's
 * parameter types (after self and _cmd for a method, after the block itself for a reply), a
 * reply block travels as a null argument whose signature is the message's `replysig`.
 */
import { bplist17Magic, decodeBplist17, DEFAULT_BPLIST17_LIMITS, type Bplist17Limits } from './bplist17';
import { attempt, fail, type NsxpcResult } from './errors';
import { naturalize, type NsValue } from './ns-value';
import type { PlistValue } from './plist-value';
import { classFromType, isBlockType, splitSignature } from './type-encoding';

export interface InvocationArgument {
  /** The object's class when it is an object, else the class the signature names (`@"NSString"`). */
  readonly class?: string;
  /** The parameter's type encoding, when the signature could be split. */
  readonly type?: string;
  readonly value: NsValue;
}

export interface InvocationView {
  /** Absent for a reply. */
  readonly selector?: string;
  readonly signature: string;
  readonly arguments: readonly InvocationArgument[];
  /** The reply block's signature (the message's `replysig`), or "@?" when only the parameter says there is one. */
  readonly replyBlock?: string;
  readonly isReply: boolean;
  /** Set when the signature could not be split or its parameter count differs from the arguments. */
  readonly signatureMismatch?: string;
}

export interface InvocationContext {
  /** The exported protocol, when known from the connection. */
  readonly protocol?: string;
  /** The message's `replysig`. */
  readonly replySignature?: string;
}

/** Decodes `root` bytes (bplist16/17) into an invocation or reply view. */
export function decodeNsxpcInvocation(bytes: Uint8Array, context: InvocationContext = {}, limits: Bplist17Limits = DEFAULT_BPLIST17_LIMITS): NsxpcResult<InvocationView> {
  const root = decodeBplist17(bytes, limits);
  if (!root.ok) return root;
  return invocationView(root.value, context);
}

export function isNsxpcRoot(bytes: Uint8Array): boolean {
  return bplist17Magic(bytes) !== undefined;
}

export function invocationView(root: PlistValue, context: InvocationContext = {}): NsxpcResult<InvocationView> {
  return attempt(() => {
    if (root.kind !== 'array' || root.items.length !== 3) fail('not-archive', -1, 'an invocation is an array of [selector, signature, arguments]');
    const [sel, sig, args] = root.items as [PlistValue, PlistValue, PlistValue];
    if (sel.kind !== 'string' && sel.kind !== 'null') fail('not-archive', -1, `the selector is a ${sel.kind}`);
    if (sig.kind !== 'string') fail('not-archive', -1, `the signature is a ${sig.kind}`);
    if (args.kind !== 'array') fail('not-archive', -1, `the arguments are a ${args.kind}`);
    const isReply = sel.kind === 'null';
    const types = splitSignature(sig.value);
    // A method's parameters start after return type, self and _cmd; a block's after return type and the block.
    const params = types?.slice(isReply ? 2 : 3);
    let signatureMismatch: string | undefined;
    if (!params) signatureMismatch = `signature "${sig.value}" could not be split into types`;
    else if (params.length !== args.items.length) signatureMismatch = `signature has ${params.length} parameters, ${args.items.length} arguments were sent`;
    let replyBlock: string | undefined;
    const argumentsOut = args.items.map((item, i): InvocationArgument => {
      const type = params?.[i];
      const value = nsFromPayload(item);
      if (type !== undefined && isBlockType(type) && !isReply) replyBlock = context.replySignature ?? '@?';
      const cls = classOf(value) ?? (type !== undefined ? classFromType(type) : undefined);
      return { ...(cls !== undefined && { class: cls }), ...(type !== undefined && { type }), value };
    });
    return {
      ...(sel.kind === 'string' && { selector: sel.value }),
      signature: sig.value,
      arguments: argumentsOut,
      ...(replyBlock !== undefined && { replyBlock }),
      isReply,
      ...(signatureMismatch !== undefined && { signatureMismatch }),
    };
  });
}

/** One line for the timeline: `-[Protocol selector]`, `-[? selector]` when the protocol is unknown, `reply(v@?@)`. */
export function invocationSummary(view: InvocationView, protocol?: string): string {
  if (view.isReply || view.selector === undefined) return `reply(${view.signature})`;
  return `-[${protocol ?? '?'} ${view.selector}]`;
}

/**
 * NSXPCEncoder writes an object as a dictionary with a `$class` name string and its fields
 * inline (nothing is shared, so there are no references to resolve).
 */
export function nsFromPayload(v: PlistValue, depth = 0): NsValue {
  if (depth > 256) return { kind: 'null' };
  switch (v.kind) {
    case 'array':
    case 'set':
      return { kind: v.kind, items: v.items.map((item) => nsFromPayload(item, depth + 1)) };
    case 'dict': {
      const cls = v.entries.get('$class');
      const fields = new Map<string, NsValue>();
      for (const [key, item] of v.entries) if (key !== '$class') fields.set(key, nsFromPayload(item, depth + 1));
      if (cls?.kind === 'string') return naturalize(cls.value, [cls.value], fields);
      return { kind: 'dict', entries: [...fields].map(([key, value]) => ({ key: { kind: 'string', value: key }, value })) };
    }
    case 'uid':
      return { kind: 'ref', uid: v.value };
    default:
      return v;
  }
}

function classOf(v: NsValue): string | undefined {
  if (v.kind === 'object') return v.class;
  if ((v.kind === 'array' || v.kind === 'set' || v.kind === 'dict') && v.className !== undefined) return v.className;
  return undefined;
}
