/**
 * Raw tracepoints (BPF_RAW_TRACEPOINT_OPEN by name), and the BTF-typed tracing programs
 * (tp_btf, fentry, fexit) whose target the kernel already knows from attach_btf_id at load.
 */
import type { Sys } from '../../sys/types.ts';
import { BpfCommand } from '../../abi/bpf-commands.ts';
import { rawTracepointOpenAttr } from '../bpf-attr.ts';
import { FdLink, type Link } from './link.ts';
import { encodeCString } from '../../bytes/c-string.ts';

export function attachRawTracepoint(sys: Sys, progFd: number, name: string): Link {
  const nameBytes = encodeCString(name);
  const fd = sys.bpf(BpfCommand.RAW_TRACEPOINT_OPEN, rawTracepointOpenAttr(sys, nameBytes, progFd));
  return new FdLink(sys, `raw_tracepoint ${name}`, [fd]);
}

/** tp_btf/fentry/fexit: the target was fixed at load time, so the open carries no name. */
export function attachTracing(sys: Sys, progFd: number, description: string): Link {
  const fd = sys.bpf(BpfCommand.RAW_TRACEPOINT_OPEN, rawTracepointOpenAttr(sys, null, progFd));
  return new FdLink(sys, description, [fd]);
}
