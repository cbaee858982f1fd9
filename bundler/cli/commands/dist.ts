/** `mote dist [--out DIR]`: the release source tarball Yocto's recipes build from (bundler/dist/). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist } from '../../dist/index.ts';
import { buildDir } from '../../paths.ts';
import type { Command } from '../command.ts';
import { existingPath, parseCommandLine } from '../options.ts';

const DEFAULT_OUT = join(buildDir, 'dist');

const HELP = `usage: mote dist [--out DIR]

Writes DIR/mote-<version>.tar.gz (default DIR: build/dist), the release source tarball that
yocto/meta-mote builds mote-agent and the minimized BTF from. It holds:
  native/              C sources of the host program and the mote:sys binding
  agent/<arch>/        the esbuild bundle (agent.js) and its asset table (agent_assets.c)
  modules/<name>/      manifest.json, the precompiled CO-RE objects per architecture, minimized BTFs
  dist.json            version, QuickJS release, architectures, modules
  SHA256SUMS           a checksum of every other file ('sha256sum -c SHA256SUMS')`;

export const distCommand: Command = {
  name: 'dist',
  summary: 'write the release source tarball Yocto builds from (build/dist/mote-<version>.tar.gz)',
  async run(argv) {
    const { values } = parseCommandLine(argv, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const out = values.out === undefined ? DEFAULT_OUT : existingPath('--out', values.out, 'folder', 'create the folder first, or leave --out out for build/dist');
    mkdirSync(out, { recursive: true });
    await buildDist(out);
    return 0;
  },
};
