/**
 * `mote dist`: the versioned release source tarball `mote-<version>.tar.gz`, which Yocto's
 * mote-agent and mote-btf recipes build from. It builds the modules and the per-target bundles
 * (as `npm run build` does, without linking), stages the files contents.ts lists under
 * `mote-<version>/`, adds `dist.json` (what is inside) and `SHA256SUMS` (`sha256sum -c` checks
 * every other file), and writes a reproducible tarball: sorted names, owner 0, fixed mtime
 * (SOURCE_DATE_EPOCH, else 0), gzip without a name or time.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MoteError } from '../../agent/src/errors.ts';
import type { AgentTarget } from '../build/agent-assets.ts';
import { bundleAgent, packageVersion } from '../build/agent.ts';
import { withBuildLock } from '../build/build-lock.ts';
import { hashFile } from '../build/content-cache.ts';
import { buildModules, type BuiltModule } from '../build/modules.ts';
import { buildDir, sourcePin } from '../paths.ts';
import { DIST_ARCH, distEntries, type DistEntry } from './contents.ts';

export class DistError extends MoteError {}

export interface Dist {
  tarball: string;
  version: string;
  files: number;
  bytes: number;
}

function describe(version: string, modules: BuiltModule[]): string {
  const about = {
    name: 'mote',
    version,
    quickjs: sourcePin('quickjs', 'version'),
    architectures: Object.values(DIST_ARCH),
    modules: modules.map((module) => module.name),
  };
  return `${JSON.stringify(about, null, 2)}\n`;
}

function stage(root: string, entries: DistEntry[], about: string): number {
  for (const entry of entries) {
    mkdirSync(dirname(join(root, entry.path)), { recursive: true });
    copyFileSync(entry.source, join(root, entry.path));
  }
  writeFileSync(join(root, 'dist.json'), about);
  const sums = [...entries.map((entry) => entry.path), 'dist.json'].sort().map((path) => `${hashFile(join(root, path))}  ${path}`);
  writeFileSync(join(root, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  return sums.length + 1;
}

function tarOf(stagingDir: string, top: string): Buffer {
  const mtime = process.env.SOURCE_DATE_EPOCH ?? '0';
  const args = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '--mode=u+rw,go+r,go-w', '-C', stagingDir, '-cf', '-', top];
  try {
    return execFileSync('tar', args, { maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    throw new DistError(`tar: '${['tar', ...args].join(' ')}' failed: ${stderr}; GNU tar 1.28 or newer is needed ('apt-get install tar')`);
  }
}

/** Builds what the tarball needs, then writes `<outDir>/mote-<version>.tar.gz`. */
export async function buildDist(outDir: string, log: (line: string) => void = console.log): Promise<Dist> {
  const version = packageVersion();
  const top = `mote-${version}`;
  const modules = await withBuildLock(buildDir, async () => {
    const built = await buildModules(log);
    for (const target of Object.keys(DIST_ARCH) as AgentTarget[]) {
      log(`[dist] bundling agent/src/main.ts for ${target} with esbuild`);
      mkdirSync(join(buildDir, target), { recursive: true });
      await bundleAgent(target);
    }
    return built;
  }, log);
  const stagingDir = mkdtempSync(join(outDir, `.${top}.staging-`));
  try {
    const entries = distEntries(modules);
    log(`[dist] staging ${entries.length} files of ${modules.length} modules, ${Object.keys(DIST_ARCH).length} architectures`);
    const files = stage(join(stagingDir, top), entries, describe(version, modules));
    const tarball = join(outDir, `${top}.tar.gz`);
    writeFileSync(`${tarball}.tmp-${process.pid}`, gzipSync(tarOf(stagingDir, top), { level: 9 }));
    renameSync(`${tarball}.tmp-${process.pid}`, tarball);
    const bytes = statSync(tarball).size;
    log(`[dist] ${tarball}: ${files} files, ${bytes} bytes; SHA256SUMS lists each`);
    return { tarball, version, files, bytes };
  } finally {
    rmSync(stagingDir, { recursive: true, force: true });
  }
}
