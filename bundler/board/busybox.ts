/**
 * The emulated board's userland: Debian's static busybox of the board's architecture (armhf, or
 * armel for ARMv5/ARMv6 boards; shell, mount, ip, insmod and the workload's tools), unpacked
 * once into the cache.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { moteCacheDir } from '../btf/cache.ts';
import { progress, runTool } from '../btf/run-tool.ts';

export async function ensureBusybox(arch: 'armhf' | 'armel' = 'armhf'): Promise<string> {
  // armhf's keeps the folder it always had, so existing caches stay valid.
  const dir = arch === 'armhf' ? moteCacheDir('guest-busybox') : moteCacheDir('guest-busybox', arch);
  const binary = join(dir, 'busybox');
  if (existsSync(binary)) return binary;
  const download = join(dir, 'download');
  mkdirSync(download, { recursive: true });
  progress(`downloading busybox-static:${arch}`);
  const remedy = `Run 'dpkg --add-architecture ${arch} && apt-get update', then re-run.`;
  await runTool({ step: 'download busybox', command: 'apt-get', args: ['download', `busybox-static:${arch}`], cwd: download, remedy });
  const deb = readdirSync(download).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get left no busybox .deb in ${download}`);
  await runTool({
    step: 'unpack busybox', command: 'bash', args: ['-o', 'pipefail', '-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./bin/busybox > "$2.tmp" && chmod +x "$2.tmp" && mv "$2.tmp" "$2"', 'unpack', join(download, deb), binary],
    remedy: 'Remove the cache folder and re-run.',
  });
  rmSync(download, { recursive: true, force: true });
  return binary;
}
