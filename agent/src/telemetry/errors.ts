/** Errors of the telemetry layer. */
import { MoteError } from '../errors.ts';

/** A telemetry or status payload that does not match schema.cddl. */
export class TelemetryDecodeError extends MoteError {}

/** The MQTT session cannot go on as configured (e.g. the broker refused the connection). */
export class SessionError extends MoteError {}
