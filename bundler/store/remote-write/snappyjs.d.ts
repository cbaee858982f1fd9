/** Types for snappyjs (pure JS snappy, block format), which ships none: the two calls remote write uses. */
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array<ArrayBuffer>;
  export function uncompress(input: Uint8Array): Uint8Array;
}
