/**
 * A ModuleLoader that first asks whether bpf(2) works here at all (the 'BPF maps' feature probe),
 * so that every module skipped for that one reason says it plainly: no BPF syscall (ENOSYS, as
 * under qemu's user mode or a kernel without CONFIG_BPF_SYSCALL) or no permission (EPERM).
 */
import { MoteError } from '../errors.ts';
import type { FeatureProbes } from '../kernel/features/features.ts';
import type { ModuleLoader } from '../sample/module-types.ts';

export class BpfUnavailableError extends MoteError {}

export function withBpfPreflight(probes: FeatureProbes, loader: ModuleLoader): ModuleLoader {
  return {
    load(source, settings) {
      const maps = probes.result('BPF maps');
      if (maps.state !== 'supported') {
        throw new BpfUnavailableError(`bpf(2) is not usable here (${maps.detail}): run mote-agent as root, on a kernel built with CONFIG_BPF_SYSCALL`);
      }
      return loader.load(source, settings);
    },
  };
}
