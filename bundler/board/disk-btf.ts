/**
 * The BTF an image carries on disk for a kernel whose BTF is not embedded in the agent (the
 * agent embeds the default suite's armmp-lpae kernel only; see bundler/build/modules.ts). It is that
 * kernel's full BTF, made from its `-dbg` package, minimized for the armhf objects of every
 * built-in module together, and goes to /usr/lib/mote/btf/<release>.btf, where the agent looks
 * for the running kernel's BTF after its embedded ones (agent/src/kernel/btf-source.ts). So the
 * same agent binary, built once, serves every kernel; only the image differs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_BTF_DIR } from '../../agent/src/kernel/btf-source.ts';
import { ensureArmhfBtf, type DebianKernelFlavour } from '../btf/armhf.ts';
import { minimizeBtf } from '../btf/minimize.ts';
import { progress } from '../btf/run-tool.ts';
import { withBuildLock } from '../build/build-lock.ts';
import { buildModules } from '../build/modules.ts';
import { buildDir } from '../paths.ts';

export interface DiskBtf {
  release: string;
  /** Where the image installs it. */
  guestPath: string;
  /** The minimized BTF on the host, cached next to the kernel's full BTF. */
  path: string;
  bytes: number;
  fullBytes: number;
}

/** The minimized BTF of `suite`'s kernel of a flavour for the built-in modules, made once per object set. */
export async function builtinModulesDiskBtf(suite: string, flavour: DebianKernelFlavour, log: (line: string) => void): Promise<DiskBtf> {
  const kernel = await ensureArmhfBtf(suite, flavour);
  const modules = await withBuildLock(buildDir, () => buildModules(() => {}), log);
  const objects = modules.flatMap((m) => m.objects.filter((o) => o.arch === 'armhf').map((o) => o.path));
  const hash = createHash('sha256');
  for (const object of objects) hash.update(readFileSync(object));
  const path = join(dirname(kernel.btfPath), `builtin-modules-${hash.digest('hex').slice(0, 16)}.btf`);
  if (!existsSync(path)) {
    progress(`minimizing the ${kernel.release} BTF for ${objects.length} built-in modules`);
    await minimizeBtf(kernel.btfPath, objects, path);
  }
  return { release: kernel.release, guestPath: `${DEFAULT_BTF_DIR}/${kernel.release}.btf`, path, bytes: statSync(path).size, fullBytes: statSync(kernel.btfPath).size };
}
