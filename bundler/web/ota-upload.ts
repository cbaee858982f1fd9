/**
 * `POST /api/ota`: an operator's signed package (as `mote pack` writes it) sent to devices. The
 * server only checks that the body is a well-formed package (the device checks the signature,
 * versions and limits), then publishes an install command to each device, on the broker it was
 * last heard on, with a fresh request id. Answers come back through ingest as `ota-result`
 * events. Needs the bearer token of `--token-file`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { encodeInstall, otaTopic } from '../../agent/src/ota/messages.ts';
import { parsePackage } from '../../agent/src/ota/package.ts';
import { newRequestId } from '../ota/exchange.ts';
import { PublishError, type BrokerSubscriptions } from '../ingest/broker-subscriptions.ts';
import type { Inventory } from '../store/inventory.ts';
import { HttpError } from './http-error.ts';

/** Larger than any package the agent accepts; the device enforces its own limit. */
export const MAX_PACKAGE_BYTES = 8 * 1024 * 1024;

/** 403 without a configured token, 401 without the right one. */
export function checkToken(request: IncomingMessage, token: string | null): void {
  if (token === null) throw new HttpError(403, 'this server is read-only: restart mote serve with --token-file FILE (a file holding a secret token) to allow changes, then send Authorization: Bearer <token>');
  const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HttpError(401, 'missing or wrong token: send Authorization: Bearer <the token in the --token-file of mote serve>');
}

/** The devices a request names: `?devices=a,b` (each known) or `?all=1` (every known device). */
export function targetDevices(url: URL, inventory: Inventory): string[] {
  if (url.searchParams.get('all') === '1') {
    const all = inventory.summaries().map((summary) => summary.device);
    if (all.length === 0) throw new HttpError(400, 'no device has been seen yet; start the agents first');
    return all;
  }
  const devices = (url.searchParams.get('devices') ?? '').split(',').filter((device) => device !== '');
  if (devices.length === 0) throw new HttpError(400, 'name the devices: POST /api/ota?devices=a,b or ?all=1');
  const unknown = devices.filter((device) => !inventory.has(device));
  if (unknown.length > 0) throw new HttpError(404, `no device '${unknown.join("', '")}' has been seen; GET /api/fleet lists the devices`);
  return devices;
}

/** Publishes the package to each device; the request ids by device. */
export async function publishPackage(packageBytes: Uint8Array, devices: string[], brokers: BrokerSubscriptions): Promise<Record<string, string>> {
  try {
    parsePackage(packageBytes);
  } catch (error) {
    throw new HttpError(400, `the body is not a module package (${(error as Error).message}); upload the file mote pack wrote`);
  }
  const requestIds: Record<string, string> = {};
  for (const device of devices) {
    const requestId = newRequestId();
    try {
      await brokers.publishTo(device, otaTopic(device, 'install'), encodeInstall(requestId, packageBytes));
    } catch (error) {
      if (error instanceof PublishError) throw new HttpError(503, error.message);
      throw error;
    }
    requestIds[device] = requestId;
  }
  return requestIds;
}
