import { describe, expect, it } from 'vitest';
import { BridgeArgumentError, checkBoolean, checkFromSeq, checkMessageId, checkName, checkTestMessage, MAX_NAME_LENGTH, MAX_PAYLOAD_TEXT_LENGTH } from './validate';

const request = {
  service: 'com.example.echo',
  privileged: false,
  mode: 'send-with-reply',
  payload: '{"hello": "world", "n": 3}',
  processType: 'app',
};

describe('argument validation of renderer calls', () => {
  it('accepts positive integer message ids and refuses everything else', () => {
    expect(checkMessageId(4, 'getMessage')).toBe(4);
    for (const bad of [0, -1, 1.5, NaN, Infinity, '4', null, undefined, {}, 2 ** 53]) {
      expect(() => checkMessageId(bad, 'getMessage')).toThrow(BridgeArgumentError);
    }
    expect(() => checkMessageId('4', 'getMessage')).toThrow('getMessage: message id must be a positive integer, got "4"');
  });

  it('accepts an absent or non-negative integer fromSeq', () => {
    expect(checkFromSeq(undefined, 'subscribe')).toBeUndefined();
    expect(checkFromSeq(0, 'subscribe')).toBe(0);
    expect(() => checkFromSeq(-3, 'subscribe')).toThrow(/fromSeq must be a non-negative integer, got -3/);
  });

  it('accepts only real booleans for flags', () => {
    expect(checkBoolean(true, 'setPaused', 'paused')).toBe(true);
    expect(() => checkBoolean('true', 'setPaused', 'paused')).toThrow('setPaused: paused must be true or false, got "true"');
    expect(() => checkBoolean(1, 'setPaused', 'paused')).toThrow(BridgeArgumentError);
  });

  it('refuses empty, overlong and control-character names', () => {
    expect(checkName('com.example.echo', 'stopService', 'job')).toBe('com.example.echo');
    expect(() => checkName('', 'stopService', 'job')).toThrow(/non-empty string/);
    expect(() => checkName('x'.repeat(MAX_NAME_LENGTH + 1), 'stopService', 'job')).toThrow(/limit is 512/);
    expect(() => checkName('a\nb', 'stopService', 'job')).toThrow(/control character/);
    expect(() => checkName(['a'], 'stopService', 'job')).toThrow(/got an array/);
  });

  it('parses a valid composer request and fills in the default timeout', () => {
    const checked = checkTestMessage(request);
    expect(checked.service).toBe('com.example.echo');
    expect(checked.payload.type).toBe('dictionary');
    expect(checked.timeoutMs).toBe(5000);
  });

  it('refuses composer requests with a wrong field, naming the field', () => {
    expect(() => checkTestMessage(null)).toThrow('sendTestMessage: the request must be an object, got null');
    expect(() => checkTestMessage({ ...request, mode: 'broadcast' })).toThrow(/mode must be one of 'send', 'send-with-reply', 'sync', got "broadcast"/);
    expect(() => checkTestMessage({ ...request, processType: 'daemon' })).toThrow(/processType must be one of/);
    expect(() => checkTestMessage({ ...request, privileged: 'no' })).toThrow(/privileged must be true or false/);
    expect(() => checkTestMessage({ ...request, timeoutMs: 0 })).toThrow(/timeoutMs must be an integer from 1 to 120000, got 0/);
    expect(() => checkTestMessage({ ...request, extra: 1 })).toThrow(/unknown field "extra"/);
    expect(() => checkTestMessage({ ...request, payload: 42 })).toThrow(/payload must be XPC-JSON text, got 42/);
  });

  it('refuses payload text that is not XPC-JSON, with the JSON path and position', () => {
    expect(() => checkTestMessage({ ...request, payload: '{"a": {"$int64": 5}}' })).toThrow(/payload is not valid XPC-JSON: \$\.a.*line 1/);
    expect(() => checkTestMessage({ ...request, payload: '{"a": ' })).toThrow(/payload is not valid XPC-JSON/);
  });

  it('refuses a payload that is not a dictionary, and one over the size limit', () => {
    expect(() => checkTestMessage({ ...request, payload: '[1, 2]' })).toThrow(/must be an XPC dictionary \(a JSON object\), got array/);
    expect(() => checkTestMessage({ ...request, payload: `"${'x'.repeat(MAX_PAYLOAD_TEXT_LENGTH)}"` })).toThrow(/limit is 1048576/);
  });
});
