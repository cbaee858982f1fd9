/**
 * `mote keygen --out <prefix>`: a new Ed25519 key pair for signing module packages:
 * `<prefix>.key` (secret, mode 0600, keep it off devices) and `<prefix>.pub` (give it to
 * agents with `mote-agent run --ota-key <prefix>.pub`).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { keyIdOf, publicKeyOf, randomSecretKey } from '../../../agent/src/ota/ed25519.ts';
import { formatPublicKey, formatSecretKey, keyIdHex } from '../../../agent/src/ota/keys.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../command.ts';
import { outputPath, parseCommandLine, requiredOption } from '../options.ts';

const HELP = `usage: mote keygen --out <prefix> [--force]

Writes a new Ed25519 key pair for signing module packages:
  <prefix>.key   the secret key (mode 0600): for 'mote pack --key'; keep it off devices
  <prefix>.pub   the public key: for 'mote-agent run --ota-key'
  --force        overwrite existing files`;

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'make an Ed25519 key pair for signing module packages',
  async run(argv) {
    const { values } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' }, out: { type: 'string' }, force: { type: 'boolean' } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const out = outputPath('--out', requiredOption(values.out, '--out <prefix>'));
    const secretPath = `${out}.key`;
    const publicPath = `${out}.pub`;
    const existing = [secretPath, publicPath].filter((path) => existsSync(path));
    if (existing.length > 0 && !values.force) throw new UsageError(`${existing.join(' and ')} already exist`, 'choose another --out or pass --force to replace them');
    const secret = randomSecretKey();
    const publicKey = publicKeyOf(secret);
    writeFileSync(secretPath, formatSecretKey(secret), { mode: 0o600 });
    writeFileSync(publicPath, formatPublicKey(publicKey, basename(out)));
    console.log(`key id ${keyIdHex(keyIdOf(publicKey))}\n  secret ${secretPath}\n  public ${publicPath}`);
    return 0;
  },
};
