/**
 * Kernel feature probes, driven by one table: each feature names the kernel version that
 * introduced it and a probe that asks the running kernel. Results are supported, not
 * supported, or the probe itself failed (EPERM, out of memory...); a failed probe is not
 * cached, so it is asked again next time. A feature can also be turned off, so the agent takes
 * the path of a kernel without it (the perf buffer instead of the ring buffer, say) on a kernel
 * that has it; a turned-off feature is never probed.
 */
import type { Sys } from '../../sys/types.ts';
import { BpfCommand } from '../../abi/bpf-commands.ts';
import { btfLoadAttr, linkCreateAttr, mapBatchAttr } from '../bpf-attr.ts';
import { NotSupportedError } from '../errors.ts';
import { BpfMap } from '../map.ts';
import { loadProgram } from '../program.ts';
import { probePmu } from '../attach/probe-pmu.ts';
import { BTF_PROBES, callHelper, RETURN_ZERO, storeToMapValue } from './probe-programs.ts';
import { MapFlag, MapType } from '../../abi/map-types.ts';
import { AttachType, ProgramType } from '../../abi/program-types.ts';
import { isSysError, MoteError } from '../../errors.ts';

export type FeatureState = 'supported' | 'not-supported' | 'probe-failed' | 'turned-off';

export interface FeatureResult {
  state: FeatureState;
  detail: string;
  /** The errno name when a probe failed in a syscall (EPERM, ENOSYS, ...). */
  errno?: string;
}

const HELPER_GET_ATTACH_COOKIE = 174;

/** A probe returns true/false, or throws a SysError the table classifies. */
type Probe = (sys: Sys) => boolean;

export interface Feature {
  name: string;
  minimumKernel: string;
  /** Kernel options the feature also needs, named when it is missing. */
  kernelConfig?: string;
  probe: Probe;
}

function closing<T>(sys: Sys, fd: number, use: (fd: number) => T): T {
  try {
    return use(fd);
  } finally {
    sys.close(fd);
  }
}

/** True when `attempt` succeeds, false when the kernel says EINVAL (or another "unknown" errno). */
function acceptedBy(attempt: () => void, unsupported = ['EINVAL', 'E2BIG', 'EOPNOTSUPP', 'ENOTSUPP']): boolean {
  try {
    attempt();
    return true;
  } catch (error) {
    if (isSysError(error) && unsupported.includes(error.code)) return false;
    throw error;
  }
}

function programLoads(sys: Sys, programType: number, insns: Uint8Array, name: string): boolean {
  try {
    closing(sys, loadProgram(sys, { name, programType, insns, license: 'GPL', kernelVersion: 0 }).fd, () => undefined);
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'VerifierError') return false;
    throw error;
  }
}

function btfLoads(blob: Uint8Array): Probe {
  return (sys) => acceptedBy(() => closing(sys, sys.bpf(BpfCommand.BTF_LOAD, btfLoadAttr(sys, blob, null)), () => undefined));
}

function mapCreates(mapType: number, keySize: number, valueSize: number, maxEntries: (sys: Sys) => number, mapFlags = 0): Probe {
  return (sys) => acceptedBy(() => BpfMap.create(sys, { mapType, keySize, valueSize, maxEntries: maxEntries(sys), mapFlags, name: 'mote_probe' }).close());
}

export const FEATURES: Feature[] = [
  { name: 'BPF maps', minimumKernel: '3.19', probe: mapCreates(MapType.ARRAY, 4, 8, () => 1) },
  { name: 'socket filter programs', minimumKernel: '3.19', probe: (sys) => programLoads(sys, ProgramType.SOCKET_FILTER, RETURN_ZERO, 'mote_probe') },
  { name: 'kprobe programs', minimumKernel: '4.1', kernelConfig: 'CONFIG_KPROBE_EVENTS', probe: (sys) => programLoads(sys, ProgramType.KPROBE, RETURN_ZERO, 'mote_probe') },
  { name: 'tracepoint programs', minimumKernel: '4.7', probe: (sys) => programLoads(sys, ProgramType.TRACEPOINT, RETURN_ZERO, 'mote_probe') },
  { name: 'perf_event programs', minimumKernel: '4.9', probe: (sys) => programLoads(sys, ProgramType.PERF_EVENT, RETURN_ZERO, 'mote_probe') },
  { name: 'raw_tracepoint programs', minimumKernel: '4.17', probe: (sys) => programLoads(sys, ProgramType.RAW_TRACEPOINT, RETURN_ZERO, 'mote_probe') },
  { name: 'perf kprobe PMU', minimumKernel: '4.17', kernelConfig: 'CONFIG_KPROBES and CONFIG_KPROBE_EVENTS', probe: (sys) => probePmu(sys, 'kprobe') !== null },
  { name: 'perf uprobe PMU', minimumKernel: '4.17', kernelConfig: 'CONFIG_UPROBE_EVENTS', probe: (sys) => probePmu(sys, 'uprobe') !== null },
  { name: 'BTF', minimumKernel: '4.18', kernelConfig: 'CONFIG_BPF_SYSCALL', probe: btfLoads(BTF_PROBES.basic) },
  { name: 'BTF functions', minimumKernel: '5.0', probe: btfLoads(BTF_PROBES.func) },
  { name: 'BTF global data sections', minimumKernel: '5.2', probe: btfLoads(BTF_PROBES.datasec) },
  { name: 'BTF floats', minimumKernel: '5.13', probe: btfLoads(BTF_PROBES.float) },
  { name: 'BTF decl tags', minimumKernel: '5.16', probe: btfLoads(BTF_PROBES.declTag) },
  { name: 'BTF type tags', minimumKernel: '5.17', probe: btfLoads(BTF_PROBES.typeTag) },
  { name: 'BTF enum64', minimumKernel: '6.0', probe: btfLoads(BTF_PROBES.enum64) },
  {
    name: 'global data', minimumKernel: '5.2',
    probe: (sys) => {
      const map = BpfMap.create(sys, { mapType: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: 'mote_probe' });
      try {
        return programLoads(sys, ProgramType.SOCKET_FILTER, storeToMapValue(map.fd), 'mote_probe');
      } finally {
        map.close();
      }
    },
  },
  {
    name: 'batch map operations', minimumKernel: '5.6',
    probe: (sys) => {
      const map = BpfMap.create(sys, { mapType: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1, name: 'mote_probe' });
      try {
        // On an empty map a kernel with batch support answers ENOENT ("no more entries").
        sys.bpf(BpfCommand.MAP_LOOKUP_BATCH, mapBatchAttr(sys, map.fd, null, new Uint8Array(8), new Uint8Array(4), new Uint8Array(4), 1).bytes);
        return true;
      } catch (error) {
        if (isSysError(error, 'ENOENT')) return true;
        if (isSysError(error, 'EINVAL')) return false;
        throw error;
      } finally {
        map.close();
      }
    },
  },
  { name: 'mmapable arrays', minimumKernel: '5.5', probe: mapCreates(MapType.ARRAY, 4, 8, () => 1, MapFlag.MMAPABLE) },
  { name: 'ring buffer', minimumKernel: '5.8', probe: mapCreates(MapType.RINGBUF, 0, 0, (sys) => sys.pageSize()) },
  {
    name: 'perf-event links', minimumKernel: '5.15',
    probe: (sys) => closing(sys, loadProgram(sys, { name: 'mote_probe', programType: ProgramType.TRACEPOINT, insns: RETURN_ZERO, license: 'GPL', kernelVersion: 0 }).fd, (progFd) => {
      try {
        closing(sys, sys.bpf(BpfCommand.LINK_CREATE, linkCreateAttr(sys, progFd, -1, AttachType.PERF_EVENT)), () => undefined);
        return true;
      } catch (error) {
        if (isSysError(error, 'EBADF')) return true;
        if (isSysError(error, 'EINVAL')) return false;
        throw error;
      }
    }),
  },
  { name: 'bpf_cookie', minimumKernel: '5.15', probe: (sys) => programLoads(sys, ProgramType.TRACEPOINT, callHelper(HELPER_GET_ATTACH_COOKIE), 'mote_probe') },
];

export interface FeatureProbeOptions {
  /** The table to probe (default FEATURES). */
  features?: Feature[];
  /** Features to treat as missing without asking the kernel, by name; `turnedOffBy` says who asked. */
  turnedOff?: string[];
  turnedOffBy?: string;
  /** Answers this kernel gave before (the feature cache, feature-cache.ts); trusted as probes. */
  remembered?: Record<string, FeatureResult>;
}

/** Asks the kernel, once per feature; failed probes are retried on the next question. */
export class FeatureProbes {
  private readonly cache = new Map<string, FeatureResult>();
  private readonly features: Feature[];
  /** Probes asked of the kernel by this process, and answers it started with from `remembered`. */
  readonly counts = { probed: 0, remembered: 0 };

  constructor(private readonly sys: Sys, options: FeatureProbeOptions = {}) {
    this.features = options.features ?? FEATURES;
    for (const [name, result] of Object.entries(options.remembered ?? {})) {
      if (!this.features.some((f) => f.name === name) || (result.state !== 'supported' && result.state !== 'not-supported')) continue;
      this.cache.set(name, result);
      this.counts.remembered++;
    }
    for (const name of options.turnedOff ?? []) {
      this.feature(name);
      this.cache.set(name, { state: 'turned-off', detail: `turned off${options.turnedOffBy ? ` by ${options.turnedOffBy}` : ''}` });
    }
  }

  result(name: string): FeatureResult {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const feature = this.feature(name);
    this.counts.probed++;
    let result: FeatureResult;
    try {
      result = feature.probe(this.sys)
        ? { state: 'supported', detail: '' }
        : { state: 'not-supported', detail: `needs Linux ${feature.minimumKernel}${feature.kernelConfig ? ` with ${feature.kernelConfig}` : ''}` };
    } catch (error) {
      return { state: 'probe-failed', detail: error instanceof Error ? error.message : String(error), ...(isSysError(error) ? { errno: error.code } : {}) };
    }
    this.cache.set(name, result);
    return result;
  }

  /** The kernel's answers so far (supported or not), for the feature cache; turned-off features and failed probes are left out. */
  answers(): Record<string, FeatureResult> {
    return Object.fromEntries([...this.cache].filter(([, r]) => r.state === 'supported' || r.state === 'not-supported'));
  }

  supported(name: string): boolean {
    return this.result(name).state === 'supported';
  }

  /** Throws NotSupportedError (feature, minimum kernel, running kernel) unless supported. */
  require(name: string): void {
    const result = this.result(name);
    if (result.state === 'supported') return;
    const feature = this.feature(name);
    const detail = result.state === 'probe-failed' ? `the probe failed: ${result.detail}` : result.state === 'turned-off' ? `it is ${result.detail}` : feature.kernelConfig ? `it also needs ${feature.kernelConfig}` : '';
    throw new NotSupportedError(feature.name, feature.minimumKernel, this.sys.uname().release, detail);
  }

  all(): { name: string; minimumKernel: string; result: FeatureResult }[] {
    return this.features.map((f) => ({ name: f.name, minimumKernel: f.minimumKernel, result: this.result(f.name) }));
  }

  private feature(name: string): Feature {
    const feature = this.features.find((f) => f.name === name);
    if (!feature) throw new MoteError(`unknown feature '${name}'; known: ${this.features.map((f) => f.name).join(', ')}`);
    return feature;
  }
}
