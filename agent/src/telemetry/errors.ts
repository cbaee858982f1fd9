/** Errors of the telemetry layer. */
import { MoteError } from '../errors.ts';

/** A telemetry or status payload that does not match schema.cddl. */
export class TelemetryDecodeError extends MoteError {}
