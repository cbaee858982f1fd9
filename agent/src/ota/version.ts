/**
 * Module and agent versions: one to three dot-separated decimal numbers ("7", "1.4", "0.1.0"),
 * compared number by number with missing numbers as 0. The agent's own version may carry a
 * pre-release suffix ("0.2.0-dev"), which is ignored when comparing.
 */
import { MoteError } from '../errors.ts';

const VERSION = /^(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})){0,2}$/;

export function isVersion(text: string): boolean {
  return VERSION.test(text);
}

function numbers(text: string): number[] {
  const release = text.split('-', 1)[0]!;
  if (!isVersion(release)) throw new MoteError(`'${text}' is not a version: use 1 to 3 dot-separated numbers such as 7 or 1.4.0`);
  const parts = release.split('.').map(Number);
  while (parts.length < 3) parts.push(0);
  return parts;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const left = numbers(a);
  const right = numbers(b);
  for (let i = 0; i < 3; i++) if (left[i] !== right[i]) return left[i]! - right[i]!;
  return 0;
}
