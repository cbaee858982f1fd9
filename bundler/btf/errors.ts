/**
 * The error raised when sourcing a kernel BTF fails. It names the step that failed (download,
 * extract, encode, dump...) and says what to do next, so a cold run that dies half-way can be
 * fixed and re-run: every step is idempotent and resumes from what is already cached.
 */
import { MoteError } from '../../agent/src/errors.ts';

export class BtfSourcingError extends MoteError {
  constructor(
    readonly step: string,
    detail: string,
    remedy: string,
  ) {
    super(`btf: ${step}: ${detail}. ${remedy}`);
  }
}
