/**
 * Adding meta-mote without the `mote` distro feature changes no task signature of the recipes its
 * kernel bbappend matches, nor of anything they depend on (the toolchain, the C library): for
 * linux-yocto, linux-libc-headers and linux-firmware, `bitbake -S lockedsigs` under OEBasicHash,
 * as yocto-check-layer's test_signatures takes them, gives the same signature for every task
 * with the layer as without it. yocto-check-layer walks all of world for this (hours per series
 * here); these three targets are the recipes the layer could touch. `bitbake-layers
 * show-appends` then shows that the bbappend was applied to linux-yocto in that very parse.
 */
import { describe, expect, it } from 'vitest';
import { buildDirFor, inBuild, layerDir, lockedSignatures, skippedWithoutTrees, SERIES, SIGNATURE_CONF, type Signatures } from './series.ts';

const HOUR = 3_600_000;
const TARGETS = ['linux-yocto', 'linux-libc-headers', 'linux-firmware'];

function differences(without: Signatures, withLayer: Signatures): string[] {
  const tasks = new Set([...without.keys(), ...withLayer.keys()]);
  return [...tasks].filter((task) => without.get(task) !== withLayer.get(task)).map((task) => `${task}: ${without.get(task) ?? 'absent'} without the layer, ${withLayer.get(task) ?? 'absent'} with it`);
}

describe.each(SERIES)('meta-mote without the mote feature on $name', (series) => {
  if (skippedWithoutTrees(series)) return;

  it('changes no task signature of linux-yocto, linux-libc-headers, linux-firmware or their dependencies', async () => {
    const without = buildDirFor(series, 'no-layer', SIGNATURE_CONF, false);
    const withLayer = buildDirFor(series, 'layer-only', SIGNATURE_CONF);
    const started = Date.now();
    const before = await lockedSignatures(without, TARGETS, 2 * HOUR);
    const middle = Date.now();
    expect(before.run.code, before.run.output.slice(-3000)).toBe(0);
    const after = await lockedSignatures(withLayer, TARGETS, 2 * HOUR);
    const minutes = (ms: number) => (ms / 60_000).toFixed(1);
    console.log(`[yocto] ${series.name} bitbake -S lockedsigs ${TARGETS.join(' ')}: ${before.signatures.size} task signatures without the layer (${minutes(middle - started)} min), ${after.signatures.size} with it (${minutes(Date.now() - middle)} min)`);
    expect(after.run.code, after.run.output.slice(-3000)).toBe(0);
    for (const task of ['linux-yocto:do_compile', 'linux-yocto:do_kernel_configme', 'linux-libc-headers:do_install', 'linux-firmware:do_install']) {
      expect(before.signatures.has(task), task).toBe(true);
    }
    expect(differences(before.signatures, after.signatures)).toEqual([]);

    // The same configuration, so the same parse: the bbappend was there and was applied.
    const appends = await inBuild(withLayer, ['bitbake-layers', 'show-appends', 'linux-yocto'], HOUR);
    expect(appends.code, appends.output.slice(-3000)).toBe(0);
    expect(appends.output).toMatch(/^linux-yocto_[\w.+-]+\.bb:\s*$/m);
    expect(appends.output).toContain(`${layerDir}/recipes-kernel/linux/linux-yocto_%.bbappend`);
  }, 5 * HOUR);
});
