/**
 * `mote pack <module-dir> --key <prefix>.key [--version N] [--out file]`: builds a module for
 * x86_64 and armhf and writes it as a signed package for `mote publish`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyIdOf, publicKeyOf } from '../../../agent/src/ota/ed25519.ts';
import { keyIdHex, parseSecretKey } from '../../../agent/src/ota/keys.ts';
import { packModule } from '../../ota/pack.ts';
import type { Command } from '../command.ts';
import { repoRoot } from '../../paths.ts';
import { existingPath, onePositional, outputPath, parseCommandLine, requiredOption, versionOption } from '../options.ts';

const HELP = `usage: mote pack <module-dir> --key <prefix>.key [--version N] [--min-agent V] [--out file]

Builds the module in <module-dir> (manifest.json and <name>.bpf.c) for x86_64 and armhf and
writes a package signed with the secret key from 'mote keygen'.
  --version N      the package version (default: the manifest's); devices only take newer ones
  --min-agent V    the oldest agent that may run it (default: this tree's agent version)
  --out FILE       where to write it (default <name>-<version>.mote)`;

function treeAgentVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export const packCommand: Command = {
  name: 'pack',
  summary: 'build a module and write it as a signed package',
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      {
        help: { type: 'boolean', short: 'h' },
        key: { type: 'string' },
        version: { type: 'string' },
        'min-agent': { type: 'string' },
        out: { type: 'string' },
      },
      true,
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const moduleDir = existingPath('module folder', onePositional(positionals, 'the module folder <module-dir>'), 'folder');
    const makeKey = "make one with 'mote keygen --out <prefix>'";
    const keyPath = existingPath('--key', requiredOption(values.key, '--key <prefix>.key', makeKey), 'file', makeKey);
    const version = values.version === undefined ? undefined : versionOption('version', values.version);
    const minAgentVersion = values['min-agent'] === undefined ? treeAgentVersion() : versionOption('min-agent', values['min-agent']);
    if (values.out !== undefined) outputPath('--out', values.out);
    const secretKey = parseSecretKey(readFileSync(keyPath, 'utf8'), keyPath);
    const { module, bytes } = await packModule({
      moduleDir,
      secretKey,
      ...(version !== undefined && { version }),
      minAgentVersion,
      log: (line) => console.error(line),
    });
    const out = values.out ?? `${module.name}-${module.version}.mote`;
    writeFileSync(out, bytes);
    const arches = Object.keys(module.objects).join(', ');
    const kernels = Object.keys(module.btfs).join(', ') || 'none';
    console.log(`${out}: ${module.name} ${module.version}, ${bytes.length} bytes, objects ${arches}, BTFs ${kernels}, key ${keyIdHex(keyIdOf(publicKeyOf(secretKey)))}`);
    return 0;
  },
};
