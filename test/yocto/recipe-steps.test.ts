/**
 * The recipes' own compile and install steps, as `bitbake -e` expands them (wrynose, else
 * scarthgap; MOTE_YOCTO_SERIES=scarthgap picks scarthgap), run outside bitbake, where Yocto's
 * toolchain sources cannot be fetched:
 * - quickjs-native with the host compiler (qjsc), quickjs and mote-agent with Debian's armhf cross
 *   compiler and musl, against the series' mbedTLS (3.6) with its default configuration, from the tarball
 *   `mote dist` writes. The binary boots on the qemu-armv7 board in place of the one
 *   `npm run build` makes and publishes every module.
 * - mote-btf on the DWARF of Debian's armhf kernel gives the very BTF `npx mote btf` and
 *   `bpftool gen min_core_btf` give for the same module objects; on a kernel with its own BTF it
 *   installs nothing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD, bootOnce, type BootResult } from '../../bundler/board/boot-once.ts';
import { findBoard } from '../../bundler/board/board-catalog.ts';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { ensureArmhfBtf } from '../../bundler/btf/armhf.ts';
import { minimizeBtf } from '../../bundler/btf/minimize.ts';
import { buildDist, type Dist } from '../../bundler/dist/index.ts';
import { agentBinary, buildDir, quickjsBuild, sourcePin } from '../../bundler/paths.ts';
import { checkPublishedInSequence, endToEndConfig, loadedModules, MODULES, TelemetryCapture } from '../support/end-to-end.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { dwarfVmlinux } from './kernel-dwarf.ts';
import { seriesMbedtlsSource } from './mbedtls-series.ts';
import { RecipeEnvironment, runSteps } from './recipe-steps.ts';
import { buildDirFor, distDir, inBuild, layerDir, missingTrees, moteConf, SERIES, yoctoCache, type BuildDir } from './series.ts';

const HOUR = 3_600_000;
const series = [...SERIES].reverse().find((s) => missingTrees(s) === null);
const board = findBoard(BOARD);
const ARMHF_CC = `arm-linux-gnueabihf-gcc -specs ${join(quickjsBuild, 'armhf-toolchain', 'musl-static.specs')}`;
const ARMHF_CFLAGS = ['-Os', '-mthumb', ...board.compiler.cpuFlags, '-mfloat-abi=hard'].join(' ');

async function recipeEnvironment(build: BuildDir, recipe: string): Promise<RecipeEnvironment> {
  const run = await inBuild(build, ['bitbake', '-e', recipe], HOUR);
  if (run.code !== 0) throw new Error(`bitbake -e ${recipe} failed:\n${run.output.slice(-3000)}`);
  return new RecipeEnvironment(recipe, run.output);
}

/**
 * mbedTLS as the series' meta-networking gives it (SERIES_MBEDTLS: 3.6, not Mote's 2.28 pin), built
 * with its default configuration, as the distribution builds it.
 */
function mbedtlsSysroot(sysroot: string, work: string): void {
  const src = join(work, 'mbedtls');
  cpSync(seriesMbedtlsSource(), src, { recursive: true });
  execFileSync('make', ['-s', '-C', join(src, 'library'), `CC=${ARMHF_CC}`, `CFLAGS=${ARMHF_CFLAGS}`, 'AR=arm-linux-gnueabihf-ar', `-j2`, 'libmbedcrypto.a', 'libmbedx509.a', 'libmbedtls.a'], { stdio: ['ignore', 'ignore', 'pipe'] });
  mkdirSync(join(sysroot, 'usr', 'lib'), { recursive: true });
  for (const lib of ['libmbedcrypto.a', 'libmbedx509.a', 'libmbedtls.a']) copyFileSync(join(src, 'library', lib), join(sysroot, 'usr', 'lib', lib));
  for (const dir of ['mbedtls', 'psa']) if (existsSync(join(src, 'include', dir))) cpSync(join(src, 'include', dir), join(sysroot, 'usr', 'include', dir), { recursive: true });
}

if (!series) {
  const why = SERIES.map((s) => missingTrees(s)).join('; ');
  console.log(`[yocto] skipping the recipes' steps: no series has its trees in the cache: ${why}`);
}

describe.skipIf(!series)('the recipes\' steps outside bitbake', () => {
  let work: string;
  let build: BuildDir;
  let dist: Dist;
  let unpack: string;

  beforeAll(async () => {
    work = mkdtempSync(join(yoctoCache, 'steps-'));
    dist = await buildDist(distDir, () => {});
    build = buildDirFor(series!, 'mote', moteConf());
    // do_unpack: the tarball, and the recipe's own files next to it.
    unpack = join(work, 'unpack');
    mkdirSync(unpack);
    execFileSync('tar', ['-xzf', dist.tarball, '-C', unpack]);
    for (const file of readdirSync(join(layerDir, 'recipes-mote', 'mote-agent', 'files'))) copyFileSync(join(layerDir, 'recipes-mote', 'mote-agent', 'files', file), join(unpack, file));
  }, HOUR);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('mote-agent, built by the recipe\'s steps, on the qemu-armv7 board', () => {
    let agent: string;
    let broker: Mosquitto;
    let telemetry: TelemetryCapture;
    let boot: BootResult;
    let chownCalls = '';
    let useradd = '';
    const device = `yocto-${process.pid}`;

    beforeAll(async () => {
      const sysroot = join(work, 'sysroot');
      // quickjs-native: qjsc for the build host, from the orig tarball quickjs.pin names.
      const qjsUnpack = join(work, 'quickjs');
      mkdirSync(qjsUnpack);
      execFileSync('tar', ['-xJf', join(yoctoCache, '..', 'quickjs', `quickjs_${sourcePin('quickjs', 'version')}.orig.tar.xz`), '-C', qjsUnpack]);
      const qjsSource = join(qjsUnpack, `quickjs-${sourcePin('quickjs', 'version')}`);
      const native = await recipeEnvironment(build, 'quickjs-native');
      const nativeImage = join(work, 'quickjs-native-image');
      runSteps(native, ['do_compile', 'do_install'], { S: qjsSource, B: join(work, 'quickjs-native-build'), D: nativeImage, LDFLAGS: '' });
      const qjscDir = join(nativeImage, native.variable('bindir'));
      // quickjs for the target, installed into the sysroot mote-agent compiles against.
      const target = await recipeEnvironment(build, 'quickjs');
      runSteps(target, ['do_compile', 'do_install'], { S: qjsSource, B: join(work, 'quickjs-build'), D: sysroot, CC: ARMHF_CC, CFLAGS: ARMHF_CFLAGS, LDFLAGS: '-static', AR: 'arm-linux-gnueabihf-ar' });
      mbedtlsSysroot(sysroot, work);
      // mote-agent: configure (checksums), compile, install.
      // Bitbake's CC carries --sysroot=<recipe sysroot>, whose include folder holds mbedTLS's
      // headers; Debian's cross compiler gets that folder with -isystem instead.
      const recipe = await recipeEnvironment(build, 'mote-agent');
      const image = join(work, 'mote-agent-image');
      // do_install gives the state folder to user mote, whom useradd makes in the image's passwd
      // (bitbake runs it under pseudo); this host has no such user, so chown only writes down
      // what it was asked, and the test checks that.
      const shims = join(work, 'shims');
      mkdirSync(shims);
      writeFileSync(join(shims, 'chown'), `#!/bin/sh\necho "$*" >> ${join(work, 'chown.log')}\n`, { mode: 0o755 });
      runSteps(
        recipe,
        ['do_configure', 'do_compile', 'do_install'],
        { S: join(unpack, `mote-${dist.version}`), UNPACKDIR: unpack, B: join(work, 'mote-agent-build'), D: image, CC: `${ARMHF_CC} -isystem ${join(sysroot, 'usr', 'include')}`, CFLAGS: ARMHF_CFLAGS, LDFLAGS: `-static -L${join(sysroot, 'usr', 'lib')}`, STAGING_INCDIR: join(sysroot, 'usr', 'include') },
        { PATH: `${shims}:${qjscDir}:${process.env.PATH}` },
      );
      chownCalls = readFileSync(join(work, 'chown.log'), 'utf8');
      useradd = recipe.variable('USERADD_PARAM:mote-agent');
      agent = join(image, 'usr', 'sbin', 'mote-agent');
      broker = await Mosquitto.start();
      telemetry = await TelemetryCapture.start(broker.url, device);
      boot = await bootOnce(endToEndConfig(guestBrokerUrl(broker.url), device), { files: { '/bin/mote-agent': agent }, dir: join(buildDir, 'boards', BOARD, 'tests', 'yocto-recipe') }, { seconds: 45, workload: true, limitMs: 240_000, consoleName: 'yocto-recipe.log' });
    }, HOUR);

    afterAll(async () => {
      await telemetry?.stop();
      await broker?.stop();
    });

    it('installs the binary, its configuration and the module store where the README says', () => {
      const image = join(agent, '..', '..', '..');
      expect(execFileSync('file', ['-b', agent], { encoding: 'utf8' })).toMatch(/ELF 32-bit LSB executable, ARM, EABI5.*statically linked/);
      expect(readFileSync(agent)).not.toEqual(readFileSync(agentBinary.armhf));
      expect(JSON.parse(readFileSync(join(image, 'etc', 'mote', 'mote.json'), 'utf8'))).toMatchObject({ broker: expect.stringMatching(/^mqtt/) });
      expect(existsSync(join(image, 'var', 'lib', 'mote', 'modules'))).toBe(true);
      expect(chownCalls.trim()).toBe(`-R mote:mote ${join(image, 'var', 'lib', 'mote')}`);
      expect(useradd).toMatch(/--system --user-group .*--shell \/sbin\/nologin mote$/);
      expect(existsSync(join(image, 'etc', 'init.d', 'mote-agent')) || existsSync(join(image, 'lib', 'systemd', 'system', 'mote-agent.service')) || existsSync(join(image, 'usr', 'lib', 'systemd', 'system', 'mote-agent.service'))).toBe(true);
    });

    it('boots on the board, loads every built-in module and exits cleanly', () => {
      expect(boot.console).toMatch(/mote-workload: done/);
      expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
      const loaded = loadedModules(boot.console);
      for (const module of MODULES) expect(loaded.get(module)?.btf, module).toBe(`embedded:${boot.release}`);
    });

    it('publishes every module, in sequence, without gaps', () => {
      for (const module of MODULES) checkPublishedInSequence(telemetry.envelopes, module);
    });
  });

  describe('mote-btf\'s steps on a Debian armhf kernel\'s DWARF', () => {
    let recipe: RecipeEnvironment;
    let kernel: { release: string; vmlinux: string };

    beforeAll(async () => {
      recipe = await recipeEnvironment(build, 'mote-btf');
      kernel = await dwarfVmlinux();
    }, HOUR);

    /** A kernel build folder as kernel.bbclass shares it, with the board descriptor's BTF setting. */
    function kernelDir(name: string, ownBtf: boolean): string {
      const dir = join(work, name);
      mkdirSync(dir);
      symlinkSync(kernel.vmlinux, join(dir, 'vmlinux'));
      writeFileSync(join(dir, 'kernel-abiversion'), `${kernel.release}\n`);
      writeFileSync(join(dir, '.config'), ownBtf ? 'CONFIG_DEBUG_INFO_BTF=y\n' : '# CONFIG_DEBUG_INFO_BTF is not set\n');
      return dir;
    }

    function runBtfSteps(name: string, ownBtf: boolean): string {
      const image = join(work, `${name}-image`);
      const s = join(unpack, `mote-${dist.version}`);
      runSteps(recipe, ['do_configure', 'do_compile', 'do_install'], { STAGING_KERNEL_BUILDDIR: kernelDir(name, ownBtf), S: s, B: join(work, `${name}-build`), D: image }, { PATH: `/usr/sbin:${process.env.PATH}` });
      return join(image, recipe.variable('nonarch_libdir'), 'mote', 'btf');
    }

    it('installs <release>.btf with the same types as npx mote btf minimized for the same objects', async () => {
      expect(board.kernel.config.CONFIG_DEBUG_INFO_BTF).toBe('n');
      const installed = runBtfSteps('kernel', false);
      expect(readdirSync(installed)).toEqual([`${kernel.release}.btf`]);
      const armhf = await ensureArmhfBtf();
      expect(armhf.release).toBe(kernel.release);
      const objects = readdirSync(join(unpack, `mote-${dist.version}`, 'modules')).flatMap((module) => {
        const dir = join(unpack, `mote-${dist.version}`, 'modules', module);
        return readdirSync(dir).filter((f) => /\.armhf\.[0-9a-f]+\.o$/.test(f)).map((f) => join(dir, f));
      });
      expect(objects).toHaveLength(MODULES.length);
      const reference = join(work, 'reference.btf');
      await minimizeBtf(armhf.btfPath, objects, reference);
      const dump = (path: string) => execFileSync('bpftool', ['btf', 'dump', 'file', path, 'format', 'raw'], { encoding: 'utf8' });
      const ours = dump(join(installed, `${kernel.release}.btf`));
      console.log(`[yocto] mote-btf: ${ours.split('\n').filter((l) => l.startsWith('[')).length} types for ${objects.length} modules`);
      expect(ours).toBe(dump(reference));
      expect(readFileSync(join(installed, `${kernel.release}.btf`))).toEqual(readFileSync(reference));
    });

    it('installs nothing for a kernel with CONFIG_DEBUG_INFO_BTF', () => {
      expect(readdirSync(runBtfSteps('kernel-with-btf', true))).toEqual([]);
    });
  });
});
