/**
 * The Yocto layer stays consistent with the rest of the repository: its kernel fragments turn
 * on every option the board descriptors require, its recipes' files exist, its QuickJS is the one
 * Mote pins, it keeps the current series' conventions, and its service starts the agent with
 * flags the agent knows. Bitbake itself parses and checks the layer in test/yocto/
 * (`npm run test:yocto`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadBoards } from '../../bundler/board/board-catalog.ts';
import { REQUIRED_KERNEL_CONFIG } from '../../bundler/board/descriptor.ts';
import { repoRoot, sourcePin } from '../../bundler/paths.ts';
import { agentBinary, runHostAgent } from '../support/agent.ts';

const layer = join(repoRoot, 'yocto', 'meta-mote');
const read = (path: string) => readFileSync(join(layer, path), 'utf8');

it('the kernel fragments enable every option the boards require, BTF only in its own fragment', () => {
  const fragment = read('recipes-kernel/linux/files/mote-bpf.cfg');
  const withBtf = fragment + read('recipes-kernel/linux/files/mote-kernel-btf.cfg');
  for (const option of REQUIRED_KERNEL_CONFIG) expect(withBtf).toMatch(new RegExp(`^${option}=y$`, 'm'));
  expect(fragment).not.toMatch(/^CONFIG_DEBUG_INFO_BTF=/m);
  expect(fragment).toMatch(/^CONFIG_DEBUG_INFO=y$/m);
  for (const board of loadBoards()) {
    const wanted = Object.entries(board.kernel.config).filter(([option, value]) => value === 'y' && option !== 'CONFIG_DEBUG_INFO_BTF');
    for (const [option] of wanted) expect(fragment, `${board.name}: ${option}`).toMatch(new RegExp(`^${option}=[ym]$`, 'm'));
  }
});

it('the recipe ships the files it names, besides the release tarball', () => {
  const recipe = read('recipes-mote/mote-agent/mote-agent_0.1.0.bb');
  const files = [...recipe.matchAll(/file:\/\/([\w.-]+)/g)].map((m) => m[1]);
  expect(files).toEqual(['mote-agent.service', 'mote-agent.init', 'mote.json']);
  for (const file of files) expect(existsSync(join(layer, 'recipes-mote/mote-agent/files', file)), file).toBe(true);
  expect(read('recipes-mote/include/mote-dist.inc')).toMatch(/SRC_URI = "file:\/\/mote-\$\{PV\}\.tar\.gz"/);
  expect(read('conf/layer.conf')).toMatch(/BBFILE_COLLECTIONS \+= "mote"/);
});

it('the quickjs recipe fetches the very tarball bundler/quickjs.pin pins', () => {
  const recipe = read(`recipes-devtools/quickjs/quickjs_${sourcePin('quickjs', 'version')}.bb`);
  expect(recipe).toContain(`SRC_URI[sha256sum] = "${sourcePin('quickjs', 'orig_sha256')}"`);
  expect(recipe).toMatch(/^BBCLASSEXTEND = "native"$/m);
});

it('follows the conventions of the series it names', () => {
  expect(read('conf/layer.conf')).toMatch(/^LAYERSERIES_COMPAT_mote = "scarthgap wrynose"$/m);
  const recipes = ['recipes-mote/include/mote-dist.inc', 'recipes-mote/mote-agent/mote-agent_0.1.0.bb', 'recipes-mote/mote-btf/mote-btf_0.1.0.bb', 'recipes-devtools/quickjs/quickjs_2025.04.26.bb'].map(read).join('\n');
  expect(recipes).not.toMatch(/S = "\$\{WORKDIR\}"|\$\{WORKDIR\}\/mote|bb\.fatal/);
  expect(existsSync(join(layer, 'SECURITY.md'))).toBe(true);
  expect(read('README.md')).toMatch(/maintainer/i);
  // The kernel is touched only through bbappends of kernel recipes that the distro feature gates.
  const kernelAppends = readdirSync(join(layer, 'recipes-kernel/linux')).filter((name) => name.endsWith('.bbappend'));
  expect(kernelAppends).toEqual(['linux-yocto_%.bbappend']);
  expect(read('recipes-kernel/linux/linux-yocto_%.bbappend')).toMatch(/bb\.utils\.contains\('DISTRO_FEATURES', 'mote', 'mote-kernel\.inc', '', d\)/);
});

it('the service and init script start `mote-agent run` with flags the agent accepts', () => {
  for (const file of ['recipes-mote/mote-agent/files/mote-agent.service', 'recipes-mote/mote-agent/files/mote-agent.init']) {
    expect(read(file)).toMatch(/run --config \/etc\/mote\/mote\.json --store \/var\/lib\/mote\/modules/);
  }
  // The real agent takes the flags and goes on to read the (here missing) config file.
  const run = runHostAgent(['run', '--config', '/nonexistent/mote.json', '--store', '/nonexistent/modules']);
  expect(run.stderr).toMatch(/config \/nonexistent\/mote\.json: cannot read it/);
  expect(run.stderr).not.toMatch(/unknown option/);
  expect(JSON.parse(read('recipes-mote/mote-agent/files/mote.json'))).toMatchObject({ broker: expect.stringMatching(/^mqtts?:\/\//) });
});

it('the service and init script run `mote-agent setup` as root first, then the agent as user mote with three capabilities', () => {
  const unit = read('recipes-mote/mote-agent/files/mote-agent.service');
  const init = read('recipes-mote/mote-agent/files/mote-agent.init');
  expect(unit).toMatch(/^ExecStartPre=\+\/usr\/sbin\/mote-agent setup --user mote --state-dir \/var\/lib\/mote$/m);
  const hardening = ['User=mote', 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_NET_RAW', 'AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_NET_RAW', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'ReadWritePaths=/var/lib/mote', 'LimitMEMLOCK=infinity'];
  for (const line of hardening) expect(unit).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
  expect(init).toMatch(/\$DAEMON setup --user \$USER --state-dir \/var\/lib\/mote \|\| exit 1/);
  expect(init).toMatch(/CAPS=-all,\+bpf,\+perfmon,\+net_raw/);
  expect(init).toMatch(/--reuid=\$USER --regid=\$USER --init-groups --no-new-privs/);
  const syntax = spawnSync('sh', ['-n', join(layer, 'recipes-mote/mote-agent/files/mote-agent.init')], { encoding: 'utf8' });
  expect(syntax.status, syntax.stderr).toBe(0);
  // The real agent knows setup and its flags (as non-root it stops at the root check, after parsing).
  const setup = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', agentBinary.host, 'setup', '--user', 'mote', '--state-dir', '/var/lib/mote'], { encoding: 'utf8' });
  expect(setup.stderr).toMatch(/^mote-agent setup: must run as root/);
});

it('systemd-analyze verify accepts the unit', (context) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    console.log('yocto-layer: systemd-analyze verify skipped: systemd-analyze is missing (apt-get install systemd)');
    context.skip();
  }
  // verify checks that ExecStart= binaries exist: point them at the built agent.
  const directory = mkdtempSync(join(tmpdir(), 'mote-unit-'));
  try {
    const unit = join(directory, 'mote-agent.service');
    writeFileSync(unit, read('recipes-mote/mote-agent/files/mote-agent.service').replaceAll('/usr/sbin/mote-agent', agentBinary.host));
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect({ status: verify.status, output: verify.stdout + verify.stderr }).toEqual({ status: 0, output: '' });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
