/**
 * Recognising a failed `Sys` call. Checked by shape rather than by class, so code that
 * receives a Sys as a parameter (and tests with another implementation) need not import the
 * C module.
 */
import type { SysError } from './types.ts';

/** True when `error` came from a failing `Sys` call, optionally with the given errno name. */
export function isSysError(error: unknown, code?: string): error is SysError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<SysError>;
  const shaped = typeof candidate.errno === 'number' && typeof candidate.code === 'string' && typeof candidate.call === 'string';
  return shaped && (code === undefined || candidate.code === code);
}
