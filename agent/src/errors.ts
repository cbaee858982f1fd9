/**
 * The root of Mote's error classes. Every error the agent or the host tools raise on purpose is
 * a MoteError subclass, so callers can tell our typed failures from bugs. Messages follow the
 * libbpf shape, most specific context last (`prog 'x': relo #3: insn #12: ...`), and end with
 * what the user can do next.
 */
export class MoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * What every failing system call throws, from the `mote:sys` binding (native-arm/sys_module.c
 * defines the class): `errno`, its name in `code` (`EPERM`), and the `call`. Recognised by shape
 * rather than by class, so code that receives a Sys as a parameter (and tests with another
 * implementation) need not import the C module.
 */
export interface SysError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly call: string;
}

/** True when `error` came from a failing system call, optionally with the given errno name. */
export function isSysError(error: unknown, code?: string): error is SysError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as Partial<SysError>;
  const shaped = typeof candidate.errno === 'number' && typeof candidate.code === 'string' && typeof candidate.call === 'string';
  return shaped && (code === undefined || candidate.code === code);
}
