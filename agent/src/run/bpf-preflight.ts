/**
 * A ModuleLoader that first asks whether bpf(2) works here at all (the 'BPF maps' feature probe),
 * so that every module skipped for that one reason says it plainly, by errno: no BPF syscall
 * (ENOSYS, as under qemu's user mode or a kernel without CONFIG_BPF_SYSCALL) or no permission
 * for this uid (EPERM).
 */
import type { FeatureProbes, FeatureResult } from '../kernel/features/features.ts';
import { ModuleLoadError } from '../lifecycle/module-load-error.ts';
import type { ModuleLoader } from '../lifecycle/module-types.ts';

export class BpfUnavailableError extends ModuleLoadError {}

function unavailable(maps: FeatureResult, uid: number): string {
  if (maps.errno === 'ENOSYS') return 'bpf(2) is not usable here: this kernel (or emulator) has no bpf(2) (ENOSYS); run mote-agent on a kernel built with CONFIG_BPF_SYSCALL';
  if (maps.errno === 'EPERM' && uid !== 0) return `bpf(2) is not usable here: uid ${uid} may not use it (EPERM); run mote-agent as root, or give it CAP_BPF, CAP_PERFMON and CAP_NET_RAW`;
  if (maps.errno === 'EPERM') return 'bpf(2) is not usable here: uid 0 is refused (EPERM); the process lacks CAP_BPF/CAP_SYS_ADMIN or the kernel is locked down';
  return `bpf(2) is not usable here (${maps.detail}); see 'mote-agent doctor'`;
}

export function withBpfPreflight(probes: FeatureProbes, uid: number, loader: ModuleLoader): ModuleLoader {
  return {
    load(source, settings) {
      const maps = probes.result('BPF maps');
      if (maps.state !== 'supported') throw new BpfUnavailableError(source.name, unavailable(maps, uid));
      return loader.load(source, settings);
    },
  };
}
