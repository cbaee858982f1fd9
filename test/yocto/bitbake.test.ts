/**
 * Bitbake itself reads meta-mote, on scarthgap (LTS) and wrynose, with openembedded-core and
 * meta-openembedded from the cache (series.ts says where; each series skips, saying why, when
 * its trees are absent):
 * - `bitbake -p` parses every recipe with no error, and no warning from meta-mote;
 * - `bitbake -e mote-agent` expands the recipe from the `mote dist` tarball;
 * - `bitbake -g mote-image-minimal`: the task graph holds quickjs-native, mote-agent and mote-btf;
 * - `bitbake -e linux-yocto`: with the feature on, the kernel bbappend adds the fragment;
 * - with the layer present and the feature off, the sanity class warns (and not with the feature
 *   on, nor with SKIP_MOTE_SANITY_CHECK), in `bitbake -p` runs with every recipe masked;
 * - with `MOTE_YOCTO_CHECK_LAYER=1`, `yocto-check-layer` (signatures included) passes every test
 *   but test_world, which is left to `MOTE_YOCTO_WORLD=1` (signatures.test.ts checks the
 *   signatures the layer could change, in minutes).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDist, type Dist } from '../../bundler/dist/index.ts';
import { buildDirFor, distDir, inBuild, layerDir, skippedWithoutTrees, moteConf, SERIES, SIGNATURE_CONF, treeOf, type BuildDir } from './series.ts';

const HOUR = 3_600_000;
/** The build folder with meta-mote and no Mote configuration, shared with signatures.test.ts. */
const LAYER_ONLY = 'layer-only';


function variable(environment: string, name: string): string {
  const match = new RegExp(`^${name}="(.*)"$`, 'm').exec(environment);
  if (!match) throw new Error(`bitbake -e shows no ${name}`);
  return match[1]!;
}

describe.each(SERIES)('meta-mote on $name', (series) => {
  if (skippedWithoutTrees(series)) return;
  let build: BuildDir;
  let dist: Dist;

  beforeAll(async () => {
    dist = await buildDist(distDir, () => {});
    build = buildDirFor(series, 'mote', moteConf());
  }, HOUR);

  it('bitbake -p parses every recipe, with no error and no warning about meta-mote', async () => {
    const run = await inBuild(build, ['bitbake', '-p'], 2 * HOUR);
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

  it('bitbake -e linux-yocto: with the feature on, the kernel bbappend adds the fragment', async () => {
    const run = await inBuild(build, ['bitbake', '-e', 'linux-yocto'], HOUR);
    expect(run.code, run.output.slice(-3000)).toBe(0);
    expect(variable(run.output, 'SRC_URI').split(/\s+/)).toContain('file://mote-bpf.cfg');
    expect(variable(run.output, 'FILESEXTRAPATHS')).toContain(`${layerDir}/recipes-kernel/linux/files:`);
  }, HOUR);

  // Bitbake fires the SanityCheck event, which the class handles, at the start of every parse,
  // before it reads any recipe, and the handler sees only the configuration. These runs mask every
  // recipe (BBMASK = ".*", from the environment), so each is a whole `bitbake -p` of the folder's
  // configuration that takes seconds, not a parse of thousands of recipes.
  describe('the sanity warning, from bitbake -p with every recipe masked', () => {
    const WARNING = /^WARNING: meta-mote is in your layers, but DISTRO_FEATURES has no 'mote'/m;
    async function sanityOutput(dir: BuildDir, passthrough: Record<string, string> = {}): Promise<string> {
      const run = await inBuild(dir, ['bitbake', '-p'], HOUR, { passthrough: { BBMASK: '.*', ...passthrough } });
      expect(run.code, run.output.slice(-3000)).toBe(0);
      expect(run.output).toMatch(/^Parsing of 0 \.bb files complete|^Loaded 0 entries from dependency cache/m);
      expect(run.output).not.toMatch(/^ERROR:/m);
      return run.output;
    }

    it('warns when the layer is present but DISTRO_FEATURES has no mote', async () => {
      expect(await sanityOutput(buildDirFor(series, LAYER_ONLY, SIGNATURE_CONF))).toMatch(WARNING);
    }, HOUR);

    it('does not warn with SKIP_MOTE_SANITY_CHECK = "1"', async () => {
      expect(await sanityOutput(buildDirFor(series, LAYER_ONLY, SIGNATURE_CONF), { SKIP_MOTE_SANITY_CHECK: '1' })).not.toMatch(WARNING);
    }, HOUR);

    it('does not warn when DISTRO_FEATURES has mote', async () => {
      expect(await sanityOutput(build)).not.toMatch(WARNING);
    }, HOUR);
  });

  // Opt-in: yocto-check-layer takes the signatures of all of world without the layer before any
  // test, then twice more (test_signatures, test_world_inherit_class) and builds nothing but walks
  // world again (test_world): hours per series on a 2-core machine (meta-mote README, Tests).
  it.runIf(process.env.MOTE_YOCTO_CHECK_LAYER === '1')('yocto-check-layer passes every test but test_world, signatures included', async () => {
    // yocto-check-layer adds the layer to a build folder without it.
    const check = buildDirFor(series, 'no-layer', SIGNATURE_CONF, false);
    const dependencies = ['meta-oe', 'meta-python', 'meta-networking'].map((layer) => join(treeOf(series), 'meta-openembedded', layer));
    const run = await inBuild(check, ['yocto-check-layer', '--with-software-layer-signature-check', '--no-auto', layerDir, '--dependency', ...dependencies], 12 * HOUR);
    const results = new Map([...run.output.matchAll(/^(test_\w+) \([\w.]+\)(?: \.\.\.|\n.*\.\.\.) (ok|FAIL|ERROR|skipped.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    console.log(`[yocto] ${series.name} yocto-check-layer: ${[...results].map(([test, result]) => `${test} ${result}`).join(', ')}`);
    expect(results.size, run.output.slice(-4000)).toBeGreaterThanOrEqual(8);
    for (const [test, result] of results) {
      if (test === 'test_world' && !process.env.MOTE_YOCTO_WORLD) continue;
      expect(result, `${test}\n${run.output.slice(-4000)}`).toMatch(/^(ok|skipped)/);
    }
  }, 12 * HOUR);

  it('has the files yocto-check-layer requires of a layer (README with maintainers, SECURITY.md)', () => {
    expect(existsSync(join(layerDir, 'SECURITY.md'))).toBe(true);
    expect(readFileSync(join(layerDir, 'README.md'), 'utf8')).toMatch(/^Maintainers?:/m);
  });
});
