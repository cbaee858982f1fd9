/**
 * A broker URL as the guest must use it: QEMU user networking shows the host's loopback as
 * 10.0.2.2, so `mqtt://localhost:1883` on the host is `mqtt://10.0.2.2:1883` in the guest.
 */
export const GUEST_HOST_ADDRESS = '10.0.2.2';

export function guestBrokerUrl(hostUrl: string): string {
  const url = new URL(hostUrl);
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new Error(`broker URL '${hostUrl}' must start with mqtt:// or mqtts://`);
  if (['localhost', '127.0.0.1', '[::1]', '::1'].includes(url.hostname)) url.hostname = GUEST_HOST_ADDRESS;
  if (!url.port) url.port = url.protocol === 'mqtts:' ? '8883' : '1883';
  return `${url.protocol}//${url.host}`;
}
