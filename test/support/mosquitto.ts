/**
 * The real mosquitto for tests (bundler/broker/mosquitto.ts), plus a vitest helper that runs
 * one for a whole test file.
 */
import { afterAll, beforeAll } from 'vitest';
import { Mosquitto } from '../../bundler/broker/mosquitto.ts';

export { freeLoopbackPort, Mosquitto } from '../../bundler/broker/mosquitto.ts';

/** A mosquitto for the whole test file: started before its tests, stopped after them. */
export function useMosquitto(): () => Mosquitto {
  let broker: Mosquitto | undefined;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return () => {
    if (!broker) throw new Error('mosquitto is not running: call useMosquitto() at the top of the test file');
    return broker;
  };
}
