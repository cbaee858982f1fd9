/**
 * Errors of the kernel side of the loader. NotSupportedError always names the feature, the
 * kernel version that introduced it and the running kernel; LoadError and AttachError carry the
 * program or map as typed fields (SiteError); VerifierError carries the program's name and the
 * verifier's reason with the log excerpt around it.
 */
import { MoteError, SiteError } from '../errors.ts';

export class NotSupportedError extends MoteError {
  constructor(
    readonly feature: string,
    readonly minimumKernel: string,
    readonly runningKernel: string,
    detail = '',
  ) {
    super(`${feature} is not supported by this kernel (needs Linux ${minimumKernel} or later; this is ${runningKernel})${detail ? `: ${detail}` : ''}`);
  }
}

/** A program or map the kernel would not take, or that could not be prepared for it. */
export class LoadError extends SiteError {}

/** A loaded program that could not be attached to its hook. */
export class AttachError extends SiteError {}

export class BtfSourceError extends MoteError {}

export class VerifierError extends MoteError {
  constructor(
    readonly program: string,
    readonly reason: string,
    readonly excerpt: string[],
    readonly fullLog: string,
    readonly errnoName: string,
  ) {
    super(
      `prog '${program}': the kernel verifier rejected it (${errnoName}): ${reason}\n` +
        excerpt.map((line) => `  | ${line}`).join('\n') +
        '\nFix the program (the lines above end where the verifier stopped), or ask for the full log with --verifier-log.',
    );
  }
}
