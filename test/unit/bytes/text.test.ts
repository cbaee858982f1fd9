/**
 * The bytes room's text codecs against Node's own (TextEncoder and TextDecoder, which QuickJS
 * lacks): UTF-8 both ways on every kind of code point and on broken input, and C strings.
 */
import { describe, expect, it } from 'vitest';
import { cStringAt, decodeCString, encodeCString } from '../../../agent/src/bytes/c-string.ts';
import { decodeUtf8, encodeUtf8 } from '../../../agent/src/bytes/utf8.ts';
import { fuzzInWorkers } from '../../support/fuzz/workers.ts';

const TEXTS = ['', 'mote-agent', 'café', 'Ω≈ç√', '日本語', '😀 emoji', 'a\u0000b', '\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}'];

describe('UTF-8', () => {
  it.each(TEXTS)('encodes %j as TextEncoder does, and decodes it back', (text) => {
    const bytes = encodeUtf8(text);
    expect(bytes).toEqual(new TextEncoder().encode(text));
    expect(decodeUtf8(bytes)).toBe(text);
  });

  it('encodes a lone surrogate as U+FFFD, as TextEncoder does', () => {
    expect(encodeUtf8('a\ud800b')).toEqual(new TextEncoder().encode('a\ud800b'));
  });

  it('decodes broken sequences to U+FFFD like TextDecoder, on many random inputs', async () => {
    const report = await fuzzInWorkers({ name: 'UTF-8 decoding', seed: 0x2545f491, inputs: 2000, target: new URL('./utf8.fuzz.ts', import.meta.url), data: null, workers: 1 });
    expect(report.problems).toEqual([]);
    expect(report.finished).toBe(2000);
  });
});

describe('C strings', () => {
  it('are read from a string table by offset, null when unterminated or outside', () => {
    const table = Uint8Array.from([0, ...new TextEncoder().encode('maps'), 0, ...new TextEncoder().encode('tail')]);
    expect(cStringAt(table, 0)).toBe('');
    expect(cStringAt(table, 1)).toBe('maps');
    expect(cStringAt(table, 3)).toBe('ps');
    expect(cStringAt(table, 6)).toBeNull();
    expect(cStringAt(table, 99)).toBeNull();
    expect(cStringAt(table, -1)).toBeNull();
  });

  it('are read from char arrays up to the first NUL, or whole', () => {
    expect(decodeCString(Uint8Array.from([0x73, 0x68, 0, 0x78]))).toBe('sh');
    expect(decodeCString(Uint8Array.from([0x73, 0x68]))).toBe('sh');
  });

  it('are written NUL-terminated, in UTF-8', () => {
    expect(encodeCString('tp/é')).toEqual(Uint8Array.from([0x74, 0x70, 0x2f, 0xc3, 0xa9, 0]));
    expect(decodeCString(encodeCString('日本'))).toBe('日本');
  });
});
