/**
 * Attaches a loaded program where its section name says (libbpf's SEC() conventions):
 * tracepoints, raw tracepoints, kprobes, uprobes (`uprobe/<path>:<function>`), perf_event
 * sampling, socket filters, and the BTF tracing kinds.
 */
import type { Sys } from '../../sys/types.ts';
import { parseElf } from '../../elf/index.ts';
import type { BpfProgram } from '../../object/index.ts';
import { AttachError } from '../errors.ts';
import { attachKprobe } from '../attach/kprobe.ts';
import type { Link } from '../attach/link.ts';
import { attachPerfSampling } from '../attach/perf-sampling.ts';
import { attachRawTracepoint, attachTracing } from '../attach/raw-tracepoint.ts';
import { attachSocketFilter } from '../attach/socket-filter.ts';
import { attachTracepoint } from '../attach/tracepoint.ts';
import { attachUprobe } from '../attach/uprobe.ts';
import { uprobeOffset } from '../attach/uprobe-offset.ts';

export interface AttachOptions {
  /** Network interface for socket filters. */
  interface: string;
  /** Sampling frequency of perf_event programs. */
  perfFrequencyHz: number;
  /** BPF_LINK_CREATE for perf events (Linux 5.15), else PERF_EVENT_IOC_SET_BPF. */
  useLinks: boolean;
}

function splitTarget(program: BpfProgram, separator: string): [string, string] {
  const at = program.attach.target.lastIndexOf(separator);
  if (at <= 0) throw new AttachError(`section '${program.sectionName}' needs a target like '${program.attach.kind}/a${separator}b'`, { program: program.name });
  return [program.attach.target.slice(0, at), program.attach.target.slice(at + 1)];
}

function attachUprobeProgram(sys: Sys, progFd: number, program: BpfProgram, options: AttachOptions): Link {
  const [path, symbolWithOffset] = splitTarget(program, ':');
  const [symbol, extra] = symbolWithOffset.split('+');
  const offset = uprobeOffset(parseElf(sys.readFile(path)), symbol, path) + (extra ? Number(extra) : 0);
  return attachUprobe(sys, progFd, { path, offset, retprobe: program.attach.kind.startsWith('uretprobe'), label: symbolWithOffset }, options.useLinks);
}

export function attachProgram(sys: Sys, progFd: number, program: BpfProgram, options: AttachOptions): Link {
  const { kind, target } = program.attach;
  switch (kind) {
    case 'tracepoint':
    case 'tp': {
      const [category, name] = splitTarget(program, '/');
      return attachTracepoint(sys, progFd, category, name, options.useLinks);
    }
    case 'raw_tracepoint':
    case 'raw_tp':
      return attachRawTracepoint(sys, progFd, target);
    case 'kprobe':
    case 'kretprobe': {
      const [fn, offset] = target.split('+');
      return attachKprobe(sys, progFd, { function: fn, offset: offset ? Number(offset) : 0, retprobe: kind === 'kretprobe' }, options.useLinks);
    }
    case 'uprobe':
    case 'uretprobe':
      return attachUprobeProgram(sys, progFd, program, options);
    case 'perf_event':
      return attachPerfSampling(sys, progFd, options.perfFrequencyHz, options.useLinks);
    case 'socket':
      return attachSocketFilter(sys, progFd, options.interface);
    case 'fentry':
    case 'fexit':
    case 'tp_btf':
      return attachTracing(sys, progFd, `${kind} ${target}`);
    default:
      throw new AttachError(`Mote does not attach '${program.sectionName}' programs (kind '${kind || 'unknown'}'); supported: tracepoint, raw_tracepoint, kprobe, uprobe, perf_event, socket, fentry, fexit, tp_btf`, { program: program.name });
  }
}
