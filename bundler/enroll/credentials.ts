/**
 * Broker credentials for a device or an operator, made by maintained tools: a random password
 * whose hash mosquitto_passwd adds to a mosquitto password file, or an ECDSA P-256 key and a
 * client certificate whose CN is the name, signed by the operator's CA with the openssl CLI. The
 * same password's bcrypt hash (bcryptjs) goes into a NATS server's user entry.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { MoteError } from '../../agent/src/errors.ts';

export class EnrollError extends MoteError {}

/** Names that are safe as an MQTT topic level, a mosquitto username and a certificate CN. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkEnrollName(name: string): string {
  if (!NAME.test(name)) throw new EnrollError(`'${name}' cannot be enrolled: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return name;
}

function run(tool: string, args: string[]): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const failed = error as { code?: string; stderr?: Buffer };
    if (failed.code === 'ENOENT') throw new EnrollError(`${tool} is not installed: apt-get install ${tool === 'openssl' ? 'openssl' : 'mosquitto'}`);
    throw new EnrollError(`${tool} ${args[0]} failed: ${failed.stderr?.toString().trim().split('\n').at(-1) ?? String(error)}`);
  }
}

/** The bcrypt hash (cost 11) of `password`, as a NATS server's authorization block takes it. */
export function natsPasswordHash(password: string): string {
  return bcrypt.hashSync(password, 11);
}

/** A new random password for `name`, its hash added to (or replaced in) `passwordFile`. */
export function enrollPassword(name: string, passwordFile: string): string {
  const password = randomBytes(18).toString('base64url');
  run('mosquitto_passwd', [...(existsSync(passwordFile) ? [] : ['-c']), '-b', passwordFile, name, password]);
  return password;
}

export interface ClientCertificate {
  cert: string;
  key: string;
}

/** A new key (mode 0600) and a client certificate for CN=`name`, signed by the CA, in `directory`. */
export function enrollCertificate(name: string, ca: { cert: string; key: string }, directory: string, days: number): ClientCertificate {
  const pair = { cert: join(directory, `${name}.pem`), key: join(directory, `${name}.key`) };
  const csr = join(directory, `${name}.csr`);
  const extensions = join(directory, `${name}.ext`);
  writeFileSync(extensions, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  try {
    writeFileSync(pair.key, '', { mode: 0o600 });
    run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', pair.key, '-out', csr]);
    run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(days), '-extfile', extensions, '-out', pair.cert]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(extensions, { force: true });
  }
  return pair;
}
