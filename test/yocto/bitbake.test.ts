/**
 * Bitbake itself reads meta-mote, on scarthgap (LTS) and wrynose, with openembedded-core and
 * meta-openembedded from the cache (series.ts says where; each series skips, saying why, when
 * its trees are absent):
 * - `bitbake -p` parses every recipe with no error, and no warning from meta-mote;
 * - `bitbake -e mote-agent` expands the recipe from the `mote dist` tarball;
 * - `bitbake -g mote-image-minimal`: the task graph holds quickjs-native, mote-agent and mote-btf;
 * - with the layer present and the feature off, the sanity class warns;
 * - `yocto-check-layer` (signatures included) passes every test but test_world, which walks
 *   every recipe of world and is left to `MOTE_YOCTO_WORLD=1`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDist, type Dist } from '../../bundler/dist/index.ts';
import { buildDirFor, distDir, inBuild, layerDir, missingTrees, moteConf, SERIES, treeOf, type BuildDir } from './series.ts';

const HOUR = 3_600_000;
/** The build folder with meta-mote and no Mote configuration, shared by the sanity test and yocto-check-layer. */
const LAYER_ONLY = 'layer-only';

function variable(environment: string, name: string): string {
  const match = new RegExp(`^${name}="(.*)"$`, 'm').exec(environment);
  if (!match) throw new Error(`bitbake -e shows no ${name}`);
  return match[1]!;
}

describe.each(SERIES)('meta-mote on $name', (series) => {
  const missing = missingTrees(series);
  if (missing) {
    it.skip(`skipped: ${missing}`, () => {});
    console.log(`[yocto] skipping ${series.name}: ${missing}`);
    return;
  }
  let build: BuildDir;
  let dist: Dist;
  let parse = '';

  beforeAll(async () => {
    dist = await buildDist(distDir, () => {});
    build = buildDirFor(series, 'mote', moteConf());
  }, HOUR);

  it('bitbake -p parses every recipe, with no error and no warning about meta-mote', async () => {
    const run = await inBuild(build, ['bitbake', '-p'], 2 * HOUR);
    parse = run.output;
    const counts = /Parsing of (\d+) .bb files complete \((\d+) cached, (\d+) parsed\)\. (\d+) targets, (\d+) skipped/.exec(run.output);
    console.log(`[yocto] ${series.name} bitbake -p: exit ${run.code}; ${counts?.[0] ?? run.output.slice(-2000)}`);
    expect(run.output).not.toMatch(/^ERROR:/m);
    expect(run.output).not.toMatch(/^WARNING:.*(mote|quickjs)/im);
    expect(run.code).toBe(0);
    expect(Number(counts?.[4])).toBeGreaterThan(0);
  }, 2 * HOUR);

  it('bitbake -e mote-agent expands the recipe built from the mote dist tarball', async () => {
    const run = await inBuild(build, ['bitbake', '-e', 'mote-agent'], HOUR);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    const environment = run.output;
    expect(variable(environment, 'S')).toMatch(new RegExp(`/mote-${dist.version}$`));
    expect(variable(environment, 'SRC_URI')).toContain(`file://mote-${dist.version}.tar.gz`);
    expect(variable(environment, 'DEPENDS').split(/\s+/)).toEqual(expect.arrayContaining(['quickjs', 'quickjs-native', 'mbedtls']));
    expect(variable(environment, 'MOTE_ARCH')).toBe('armhf');
    expect(environment).toMatch(/^do_compile\(\) \{\n\s*qjsc -c -m -s/m);
    expect(environment).toMatch(/^do_configure\(\) \{\n\s*cd \S+ && sha256sum --check --quiet --strict SHA256SUMS/m);
  }, HOUR);

  it('bitbake -g mote-image-minimal: the task graph builds quickjs-native, mote-agent and mote-btf', async () => {
    const run = await inBuild(build, ['bitbake', '-g', 'mote-image-minimal'], HOUR);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    const graph = readFileSync(join(build.dir, 'task-depends.dot'), 'utf8');
    const tasks = new Set([...graph.matchAll(/^"([\w.+-]+)\.(do_\w+)" \[label/gm)].map((m) => `${m[1]}.${m[2]}`));
    console.log(`[yocto] ${series.name} bitbake -g mote-image-minimal: ${tasks.size} tasks`);
    for (const task of ['quickjs-native.do_populate_sysroot', 'quickjs.do_populate_sysroot', 'mote-agent.do_compile', 'mote-agent.do_package', 'mote-btf.do_compile', 'pahole-native.do_populate_sysroot', 'bpftool-native.do_populate_sysroot', 'mbedtls.do_populate_sysroot']) {
      expect(tasks, task).toContain(task);
    }
    expect(graph).toMatch(/"mote-agent\.do_prepare_recipe_sysroot" -> "quickjs-native\.do_populate_sysroot"/);
    expect(graph).toMatch(/"mote-btf\.do_compile" -> "linux-yocto\.do_shared_workdir"/);
  }, HOUR);

  // The sanity check runs where oe-core's does: at `bitbake -p` and builds, not at `bitbake -e`.
  it('warns when the layer is present but DISTRO_FEATURES has no mote', async () => {
    expect(parse).not.toMatch(/meta-mote is in your layers/);
    const plain = buildDirFor(series, LAYER_ONLY, []);
    const run = await inBuild(plain, ['bitbake', '-p'], 2 * HOUR);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    expect(run.output).toMatch(/^WARNING: meta-mote is in your layers, but DISTRO_FEATURES has no 'mote'/m);
  }, 2 * HOUR);

  it('yocto-check-layer passes every test but test_world, signatures included', async () => {
    // The folder of the sanity test, without meta-mote: yocto-check-layer adds it back, and its
    // test_parse then finds that test's parse in the cache (same layers, same local.conf).
    const check = buildDirFor(series, LAYER_ONLY, [], false);
    const dependencies = ['meta-oe', 'meta-python', 'meta-networking'].map((layer) => join(treeOf(series), 'meta-openembedded', layer));
    const run = await inBuild(check, ['yocto-check-layer', '--with-software-layer-signature-check', '--no-auto', layerDir, '--dependency', ...dependencies], 4 * HOUR);
    const results = new Map([...run.output.matchAll(/^(test_\w+) \([\w.]+\)(?: \.\.\.|\n.*\.\.\.) (ok|FAIL|ERROR|skipped.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    console.log(`[yocto] ${series.name} yocto-check-layer: ${[...results].map(([test, result]) => `${test} ${result}`).join(', ')}`);
    expect(results.size, run.output.slice(-4000)).toBeGreaterThanOrEqual(8);
    for (const [test, result] of results) {
      if (test === 'test_world' && !process.env.MOTE_YOCTO_WORLD) continue;
      expect(result, `${test}\n${run.output.slice(-4000)}`).toMatch(/^(ok|skipped)/);
    }
    expect(existsSync(join(layerDir, 'SECURITY.md'))).toBe(true);
  }, 4 * HOUR);
});
