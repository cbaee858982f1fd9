/**
 * A throwaway PKI made with openssl for the TLS tests: a test CA, server certificates (ECDSA P-256
 * and RSA for 'localhost', one for the wrong host name), a client certificate, and a second,
 * unrelated CA that signed none of them.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: string;
  otherCa: string;
  server: KeyPair;
  serverRsa: KeyPair;
  wrongHostServer: KeyPair;
  client: KeyPair;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
const RSA = ['-newkey', 'rsa:2048'];

function openssl(directory: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(directory: string, name: string): KeyPair {
  const pair = { cert: join(directory, `${name}.pem`), key: join(directory, `${name}.key`) };
  openssl(directory, ['req', '-x509', ...EC, '-nodes', '-days', '2', '-subj', `/CN=Mote test ${name}`, '-keyout', pair.key, '-out', pair.cert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return pair;
}

/** A leaf certificate for `subject` signed by `ca`, with the given X.509v3 extensions. */
function issue(directory: string, ca: KeyPair, name: string, keyArgs: string[], subject: string, extensions: string[]): KeyPair {
  const pair = { cert: join(directory, `${name}.pem`), key: join(directory, `${name}.key`) };
  const csr = join(directory, `${name}.csr`);
  const extfile = join(directory, `${name}.ext`);
  writeFileSync(extfile, extensions.join('\n') + '\n');
  openssl(directory, ['req', ...keyArgs, '-nodes', '-subj', `/CN=${subject}`, '-keyout', pair.key, '-out', csr]);
  openssl(directory, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', String(Date.now()), '-days', '2', '-extfile', extfile, '-out', pair.cert]);
  chmodSync(pair.key, 0o644); // test keys: the broker may load them after dropping root
  return pair;
}

export function makeTestPki(directory: string): TestPki {
  const ca = makeCa(directory, 'ca');
  const otherCa = makeCa(directory, 'other-ca');
  const serverExtensions = (name: string) => [`subjectAltName=DNS:${name}`, 'extendedKeyUsage=serverAuth', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  return {
    ca: ca.cert,
    otherCa: otherCa.cert,
    server: issue(directory, ca, 'server', EC, 'localhost', serverExtensions('localhost')),
    serverRsa: issue(directory, ca, 'server-rsa', RSA, 'localhost', serverExtensions('localhost')),
    wrongHostServer: issue(directory, ca, 'wrong-host', EC, 'broker.wrong.example', serverExtensions('broker.wrong.example')),
    client: issue(directory, ca, 'client', EC, 'mote-device', ['extendedKeyUsage=clientAuth', 'keyUsage=critical,digitalSignature']),
  };
}
