/** Why a broker refused a connection, from the CONNACK code, with what to check next. */

const V4_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version; try protocol version 5 or 4',
  2: 'client identifier rejected; choose another device id',
  3: 'server unavailable; check the broker',
  4: 'bad user name or password; check the credentials',
  5: 'not authorized; check the broker ACL for this device',
};

const V5_REASONS: Record<number, string> = {
  0x84: 'unsupported protocol version; try protocol version 4',
  0x85: 'client identifier not valid; choose another device id',
  0x86: 'bad user name or password; check the credentials',
  0x87: 'not authorized; check the broker ACL for this device',
  0x88: 'server unavailable; check the broker',
  0x89: 'server busy; it will be retried',
  0x8a: 'banned by the broker',
  0x8c: 'bad authentication method',
  0x95: 'packet too large; lower the record size',
  0x97: 'quota exceeded',
  0x9c: 'use another server',
  0x9d: 'server moved',
};

export function connackFailure(protocolVersion: 4 | 5, code: number): string {
  const reasons = protocolVersion === 5 ? V5_REASONS : V4_REASONS;
  return `connection refused (code ${code}): ${reasons[code] ?? 'unknown reason'}`;
}
