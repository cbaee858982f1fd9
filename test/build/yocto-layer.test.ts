/**
 * The Yocto layer stays consistent with the rest of the repository: its kernel fragment turns
 * on every option the board descriptors require, its recipe's files exist, and its service
 * starts the agent with flags the agent knows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadBoards } from '../../bundler/board/board-catalog.ts';
import { REQUIRED_KERNEL_CONFIG } from '../../bundler/board/descriptor.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { runHostAgent } from '../support/agent.ts';

const layer = join(repoRoot, 'yocto', 'meta-mote');
const read = (path: string) => readFileSync(join(layer, path), 'utf8');

it('the kernel fragment enables every option the boards require', () => {
  const fragment = read('recipes-kernel/linux/files/mote-bpf.cfg');
  for (const option of REQUIRED_KERNEL_CONFIG) expect(fragment).toMatch(new RegExp(`^${option}=y$`, 'm'));
  for (const board of loadBoards()) {
    const wanted = Object.entries(board.kernel.config).filter(([option, value]) => value === 'y' && option !== 'CONFIG_DEBUG_INFO_BTF');
    for (const [option] of wanted) expect(fragment, `${board.name}: ${option}`).toMatch(new RegExp(`^${option}=[ym]$`, 'm'));
  }
});

it('the recipe ships the files it names', () => {
  const recipe = read('recipes-mote/mote-agent/mote-agent_0.1.0.bb');
  const files = [...recipe.matchAll(/file:\/\/([\w.-]+)/g)].map((m) => m[1]);
  expect(files.length).toBeGreaterThanOrEqual(3);
  for (const file of files) expect(existsSync(join(layer, 'recipes-mote/mote-agent/files', file)), file).toBe(true);
  expect(read('conf/layer.conf')).toMatch(/BBFILE_COLLECTIONS \+= "mote"/);
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
