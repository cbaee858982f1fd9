/**
 * Why a device turned an OTA command down. Every rejection names one reason from the schema
 * (package.cddl) and says what to do next; a load failure also carries the verifier excerpt.
 */
import { MoteError } from '../errors.ts';

export type RejectionReason =
  | 'too-large'
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'stale-version'
  | 'agent-too-old'
  | 'unsupported-arch'
  | 'unsupported-kernel'
  | 'verifier'
  | 'load-failed'
  | 'store-failed'
  | 'unknown-module';

export class OtaRejection extends MoteError {
  constructor(
    readonly reason: RejectionReason,
    message: string,
    /** The module, when the package got far enough to name it. */
    readonly module = '',
    readonly verifierExcerpt: string[] = [],
  ) {
    super(message);
  }
}
