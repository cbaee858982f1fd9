/**
 * For one-shot commands over the MQTT session, which otherwise retries for ever: the first
 * reason a connection failed, whether the transport reported it (socket, TLS) or the session did
 * (CONNACK refused, no CONNACK in time, closed by the broker).
 */
import type { Logger } from '../telemetry/runtime.ts';
import type { Transport } from '../telemetry/transport.ts';

export interface FailureWatch {
  /** `inner`, reporting every connection's error to `failed`. */
  transport: Transport;
  /** A logger for the session: its warnings are failures, its info lines are dropped. */
  log: Logger;
  /** Resolves with the first failure's message. */
  failed: Promise<string>;
}

export function observeFirstFailure(inner: Transport): FailureWatch {
  let report: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (report = resolve));
  let reported = false;
  const fail = (reason: string) => {
    if (!reported) report(reason);
    reported = true;
  };
  const transport: Transport = {
    get peer() {
      return inner.peer;
    },
    connect: (events) =>
      inner.connect({
        onOpen: () => events.onOpen(),
        onData: (bytes) => events.onData(bytes),
        onClose: (error) => {
          if (error) fail(error.message);
          events.onClose(error);
        },
      }),
  };
  const log: Logger = {
    info: () => {},
    warn: (message) => fail(message.replace(/^mqtt: \S+: /, '').replace(/; reconnecting in \d+ ms$/, '')),
  };
  return { transport, log, failed };
}
