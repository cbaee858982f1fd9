/**
 * UTF-8 both ways without TextDecoder or TextEncoder, which QuickJS lacks, and with their
 * results: ill-formed input and lone surrogates become U+FFFD.
 */

/**
 * Decodes UTF-8 as the WHATWG Encoding Standard (and so TextDecoder) does: each maximal ill-formed
 * subsequence becomes one U+FFFD. The bounds on the first continuation byte exclude overlong
 * forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let needed = 0;
  let seen = 0;
  let code = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b < 0x80) out += String.fromCharCode(b);
      else if (b >= 0xc2 && b <= 0xdf) [needed, code] = [1, b & 0x1f];
      else if (b >= 0xe0 && b <= 0xef) [needed, code, lower, upper] = [2, b & 0x0f, b === 0xe0 ? 0xa0 : 0x80, b === 0xed ? 0x9f : 0xbf];
      else if (b >= 0xf0 && b <= 0xf4) [needed, code, lower, upper] = [3, b & 0x07, b === 0xf0 ? 0x90 : 0x80, b === 0xf4 ? 0x8f : 0xbf];
      else out += '\ufffd';
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is ill-formed: one U+FFFD for it, and this byte starts afresh.
      out += '\ufffd';
      [needed, seen, lower, upper] = [0, 0, 0x80, 0xbf];
      i--;
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    code = (code << 6) | (b & 0x3f);
    if (++seen === needed) {
      out += String.fromCodePoint(code);
      [needed, seen] = [0, 0];
    }
  }
  return needed > 0 ? out + '\ufffd' : out;
}

/** The UTF-8 bytes of a string. */
export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const char of text) {
    let code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Uint8Array.from(out);
}
