/**
 * C strings: NUL-terminated UTF-8, read from string tables and fixed-size char arrays, and
 * written for the kernel's name and path pointers.
 */
import { decodeUtf8, encodeUtf8 } from './utf8.ts';

/** Reads the NUL-terminated string starting at `offset` in `table`; null if unterminated or out of range. */
export function cStringAt(table: Uint8Array, offset: number): string | null {
  if (!Number.isInteger(offset) || offset < 0 || offset >= table.length) return null;
  const end = table.indexOf(0, offset);
  if (end < 0) return null;
  return decodeUtf8(table.subarray(offset, end));
}

/** The text of a char array: up to its first NUL, or all of it when it has none. */
export function decodeCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decodeUtf8(end < 0 ? bytes : bytes.subarray(0, end));
}

/** NUL-terminated UTF-8 bytes of a string, for name and path pointers. */
export function encodeCString(text: string): Uint8Array {
  const utf8 = encodeUtf8(text);
  const bytes = new Uint8Array(utf8.length + 1);
  bytes.set(utf8);
  return bytes;
}
