/**
 * `mote btf [--host] [--armhf] [--suite S] [--json]`: makes (or finds in the cache) the kernel BTFs and
 * vmlinux.h headers BPF objects are built and checked against, and prints where they are.
 */
import { statSync } from 'node:fs';
import { ensureArmhfBtf, ensureHostBtf, type KernelBtf } from '../../btf/index.ts';
import { DEFAULT_SUITE, KERNEL_SUITES } from '../../btf/debian-suite.ts';
import type { Command } from '../command.ts';
import { choiceOption, parseCommandLine } from '../options.ts';

const HELP = `usage: mote btf [--host] [--armhf] [--suite S] [--json]

Produces the kernel BTF and vmlinux.h for the build host (--host) and for Debian's armhf
armmp-lpae kernel (--armhf; downloads ~620 MB once). With neither flag, does both.
--suite picks the Debian suite of the armhf kernel (default ${DEFAULT_SUITE}; also ${KERNEL_SUITES.filter((s) => s !== DEFAULT_SUITE).join(', ')}),
fetched through the mirror of the system's apt sources with a project-local apt configuration.
Results are cached under \${XDG_CACHE_HOME:-~/.cache}/mote/.`;

export const btfCommand: Command = {
  name: 'btf',
  summary: 'make and cache the host and armhf kernel BTFs and vmlinux.h headers',
  async run(argv) {
    const { values } = parseCommandLine(argv, { host: { type: 'boolean' }, armhf: { type: 'boolean' }, suite: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const suite = values.suite === undefined ? undefined : choiceOption('suite', values.suite, KERNEL_SUITES);
    const both = !values.host && !values.armhf;
    const results: Record<string, KernelBtf> = {};
    if (values.host || both) results.host = await ensureHostBtf();
    if (values.armhf || both) results.armhf = await ensureArmhfBtf(suite);
    if (values.json) {
      console.log(JSON.stringify(results, null, 2));
      return 0;
    }
    for (const [target, btf] of Object.entries(results)) {
      console.log(`${target}: kernel ${btf.release}`);
      console.log(`  btf       ${btf.btfPath} (${statSync(btf.btfPath).size} bytes)`);
      console.log(`  vmlinux.h ${btf.headerPath}`);
    }
    return 0;
  },
};
