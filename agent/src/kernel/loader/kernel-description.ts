/**
 * The running kernel as `.kconfig` externs see it: the version from `uname -r`, and the
 * build configuration from /boot/config-<release> when the device has it.
 */
import type { Sys } from '../../sys/types.ts';
import type { KernelDescription } from '../../object/index.ts';
import { decodeUtf8 } from '../../bytes/utf8.ts';
import { isSysError } from '../../errors.ts';

export function parseRelease(release: string): KernelDescription['version'] {
  const [major = 0, minor = 0, patch = 0] = (release.match(/^(\d+)\.(\d+)(?:\.(\d+))?/) ?? []).slice(1).map((part) => Number(part ?? 0));
  return { major, minor, patch };
}

/** LINUX_VERSION_CODE of a release, as kprobe programs on kernels before 5.0 must state it. */
export function versionCode(release: string): number {
  const { major, minor, patch } = parseRelease(release);
  return (major << 16) + (minor << 8) + Math.min(patch, 255);
}

/** `CONFIG_X=value` lines of a kernel config file. */
export function parseKernelConfig(text: string): Record<string, string> {
  const config: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = line.match(/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/);
    if (match) config[match[1]] = match[2];
  }
  return config;
}

export function describeKernel(sys: Sys): KernelDescription {
  const release = sys.uname().release;
  let config: Record<string, string> = {};
  try {
    config = parseKernelConfig(decodeUtf8(sys.readFile(`/boot/config-${release}`)));
  } catch (error) {
    if (!isSysError(error)) throw error;
  }
  return { version: parseRelease(release), config };
}
