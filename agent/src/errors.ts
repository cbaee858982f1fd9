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

/** Where in a BPF object a failure happened, in libbpf's terms; what is unknown is left out. */
export interface ErrorSite {
  program?: string;
  map?: string;
  /** The CO-RE record's index in its section (libbpf's `relo #N`). */
  relocation?: number;
  /** The instruction's index within its program (libbpf's `insn #M`). */
  instruction?: number;
}

/** The libbpf-shaped prefix of a site: `prog 'x': relo #3: insn #12: `, `map 'm': `, or nothing. */
export function sitePrefix(site: ErrorSite): string {
  const parts: string[] = [];
  if (site.program !== undefined) parts.push(`prog '${site.program}'`);
  if (site.map !== undefined) parts.push(`map '${site.map}'`);
  if (site.relocation !== undefined) parts.push(`relo #${site.relocation}`);
  if (site.instruction !== undefined) parts.push(`insn #${site.instruction}`);
  return parts.map((part) => `${part}: `).join('');
}

/**
 * A MoteError raised at a site in an object. The site is kept as typed fields, so callers can
 * branch on the program or map without parsing text, and starts the message.
 */
export class SiteError extends MoteError implements ErrorSite {
  readonly program?: string;
  readonly map?: string;
  readonly relocation?: number;
  readonly instruction?: number;

  constructor(
    readonly detail: string,
    site: ErrorSite = {},
  ) {
    super(sitePrefix(site) + detail);
    Object.assign(this, site);
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
