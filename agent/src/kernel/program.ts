/**
 * Loading one program into the kernel (BPF_PROG_LOAD). The first attempt runs without a log,
 * as libbpf does; when the verifier refuses, the load is repeated with a log (grown on ENOSPC)
 * so the error can show why.
 */
import type { Sys } from '../sys/types.ts';
import { BpfCommand } from '../abi/bpf-commands.ts';
import { progLoadAttr, type ProgLoadAttr } from './bpf-attr.ts';
import { LoadError, VerifierError } from './errors.ts';
import { logText, summarizeVerifierLog } from './verifier-log.ts';
import { encodeCString } from '../bytes/c-string.ts';
import { isSysError } from '../errors.ts';

export type ProgramLoadSpec = Omit<ProgLoadAttr, 'license' | 'log' | 'logLevel'> & { license: string };

const FIRST_LOG_SIZE = 64 * 1024;
const LARGEST_LOG_SIZE = 16 * 1024 * 1024;

export interface LoadedProgram {
  fd: number;
  name: string;
}

export function loadProgram(sys: Sys, spec: ProgramLoadSpec): LoadedProgram {
  const license = encodeCString(spec.license);
  const attempt = (log: Uint8Array | null, logLevel: number) => sys.bpf(BpfCommand.PROG_LOAD, progLoadAttr(sys, { ...spec, license, log, logLevel }));
  try {
    return { fd: attempt(null, 0), name: spec.name };
  } catch (error) {
    if (!isSysError(error)) throw error;
    if (error.code !== 'EACCES' && error.code !== 'EINVAL' && error.code !== 'E2BIG' && error.code !== 'ENOSPC') {
      const hint = error.code === 'EPERM' ? '; run as root (or with CAP_BPF and CAP_PERFMON); as root it means the kernel forbids this program type here (lockdown, or ftrace unavailable for fentry/fexit)' : '';
      throw new LoadError(`${error.message}${hint}`, { program: spec.name });
    }
    const first = error;
    for (let size = FIRST_LOG_SIZE; size <= LARGEST_LOG_SIZE; size *= 4) {
      const log = new Uint8Array(size);
      try {
        // Accepted with a log: the first refusal was not the verifier's (rare); keep this fd.
        return { fd: attempt(log, 1), name: spec.name };
      } catch (retry) {
        if (!isSysError(retry)) throw retry;
        if (retry.code === 'ENOSPC' && size < LARGEST_LOG_SIZE) continue;
        const text = logText(log);
        const { reason, excerpt } = summarizeVerifierLog(text);
        throw new VerifierError(spec.name, text ? reason : retry.message, excerpt, text, retry.code);
      }
    }
    throw new LoadError(`${first.message}`, { program: spec.name });
  }
}
