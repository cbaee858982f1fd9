/**
 * The feature probes' answers kept per kernel, so each probe runs once per kernel rather than
 * once per start: `<dir>/features-<kernel>.json` (cache-file.ts), where the kernel is a digest of
 * `uname -r`, its version string and machine, the uid that probed (some answers depend on
 * privileges), the kernel BTF's digest when it has one (a rebuilt kernel under the same
 * release), and the agent's version and build (another agent's probes may ask differently). A
 * damaged file is ignored, logged and written again; one that cannot be written, or a kernel BTF
 * that cannot be read, costs the cache, not the probes.
 */
import type { Sys } from '../../sys/types.ts';
import type { FeatureProbes, FeatureResult } from './features.ts';
import { CacheFileError, readCacheFile, writeCacheFile } from '../cache-file.ts';
import { encodeUtf8 } from '../../bytes/utf8.ts';
import { isSysError } from '../../errors.ts';

const FORMAT = 1;

export class FeatureCache {
  private readonly name: string;

  /**
   * `kernelBtfDigest`: Sys.hash of /sys/kernel/btf/vmlinux (BtfDigests.ofRunningKernel), or null
   * when the kernel has none;
   * `agent`: the agent's version and build.
   */
  constructor(private readonly sys: Sys, readonly dir: string, kernelBtfDigest: string | null, private readonly agent: string, private readonly log: (line: string) => void) {
    const { release, version, machine } = sys.uname();
    this.name = `features-${sys.hash(encodeUtf8([release, version, machine, sys.geteuid(), kernelBtfDigest ?? 'no BTF', agent].join('\n')))}.json`;
  }

  /** What this kernel answered before; empty when nothing is kept (or it is damaged: logged). */
  recall(): Record<string, FeatureResult> {
    const path = `${this.dir}/${this.name}`;
    try {
      const stored = readCacheFile(this.sys, path);
      if (stored === null) return {};
      if ((stored as { agent?: unknown }).agent !== this.agent) {
        this.log(`feature cache ${path}: another agent build's answers (${String((stored as { agent?: unknown }).agent)}); probing again`);
        return {};
      }
      const results = (stored as { format?: unknown; results?: unknown }).results;
      if ((stored as { format?: unknown }).format !== FORMAT || typeof results !== 'object' || results === null) throw new CacheFileError(`it is not a format ${FORMAT} feature file`);
      const recalled: Record<string, FeatureResult> = {};
      for (const [feature, result] of Object.entries(results)) {
        const { state, detail } = (result ?? {}) as { state?: unknown; detail?: unknown };
        if ((state !== 'supported' && state !== 'not-supported') || typeof detail !== 'string') throw new CacheFileError(`the answer for '${feature}' is not one`);
        recalled[feature] = { state, detail };
      }
      return recalled;
    } catch (error) {
      if (!(error instanceof CacheFileError) && !isSysError(error)) throw error;
      this.log(`feature cache ${path}: ignored, ${error.message}; probing again`);
      return {};
    }
  }

  /** Keeps the answers `probes` has, when it asked the kernel anything new. */
  keep(probes: FeatureProbes): void {
    if (probes.counts.probed === 0) return;
    try {
      writeCacheFile(this.sys, this.dir, this.name, { format: FORMAT, agent: this.agent, results: probes.answers() });
    } catch (error) {
      if (!isSysError(error)) throw error;
      this.log(`feature cache ${this.dir}: cannot write (${error.message}); features are probed at every start`);
    }
  }
}
