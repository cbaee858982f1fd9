/**
 * What a program section name says about loading and attaching it, following libbpf's SEC()
 * conventions: `kprobe/do_sys_open` is a kprobe program attached to do_sys_open. A `?` prefix
 * marks a program that is not loaded by default.
 */
import { AttachType, ProgramType } from '../abi/program-types.ts';

export interface AttachInfo {
  /** libbpf's section prefix, e.g. `kprobe`, `tp`, `xdp`; empty when the section is unknown. */
  kind: string;
  /** What to attach to: the text after the prefix's `/` (function, `category/event`, ...). */
  target: string;
  /** enum bpf_prog_type value; 0 (unspec) when unknown. */
  programType: number;
  /** enum bpf_attach_type value for load-time expected_attach_type; 0 when none. */
  expectedAttachType: number;
  sleepable: boolean;
}

interface SectionDef {
  /** Prefix; a trailing '+' allows `/target` after it. */
  prefix: string;
  programType: number;
  attachType?: number;
  sleepable?: boolean;
}

/** Order matters: the first matching prefix wins, as in libbpf's section_defs. */
const SECTION_DEFS: SectionDef[] = [
  { prefix: 'socket', programType: ProgramType.SOCKET_FILTER },
  { prefix: 'kprobe+', programType: ProgramType.KPROBE },
  { prefix: 'uprobe+', programType: ProgramType.KPROBE },
  { prefix: 'uprobe.s+', programType: ProgramType.KPROBE, sleepable: true },
  { prefix: 'kretprobe+', programType: ProgramType.KPROBE },
  { prefix: 'uretprobe+', programType: ProgramType.KPROBE },
  { prefix: 'uretprobe.s+', programType: ProgramType.KPROBE, sleepable: true },
  { prefix: 'kprobe.multi+', programType: ProgramType.KPROBE, attachType: AttachType.TRACE_KPROBE_MULTI },
  { prefix: 'kretprobe.multi+', programType: ProgramType.KPROBE, attachType: AttachType.TRACE_KPROBE_MULTI },
  { prefix: 'ksyscall+', programType: ProgramType.KPROBE },
  { prefix: 'kretsyscall+', programType: ProgramType.KPROBE },
  { prefix: 'usdt+', programType: ProgramType.KPROBE },
  { prefix: 'tc', programType: ProgramType.SCHED_CLS },
  { prefix: 'classifier', programType: ProgramType.SCHED_CLS },
  { prefix: 'action', programType: ProgramType.SCHED_ACT },
  { prefix: 'tracepoint+', programType: ProgramType.TRACEPOINT },
  { prefix: 'tp+', programType: ProgramType.TRACEPOINT },
  { prefix: 'raw_tracepoint+', programType: ProgramType.RAW_TRACEPOINT },
  { prefix: 'raw_tp+', programType: ProgramType.RAW_TRACEPOINT },
  { prefix: 'raw_tracepoint.w+', programType: ProgramType.RAW_TRACEPOINT_WRITABLE },
  { prefix: 'raw_tp.w+', programType: ProgramType.RAW_TRACEPOINT_WRITABLE },
  { prefix: 'tp_btf+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_RAW_TP },
  { prefix: 'fentry+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_FENTRY },
  { prefix: 'fmod_ret+', programType: ProgramType.TRACING, attachType: AttachType.MODIFY_RETURN },
  { prefix: 'fexit+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_FEXIT },
  { prefix: 'fentry.s+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_FENTRY, sleepable: true },
  { prefix: 'fmod_ret.s+', programType: ProgramType.TRACING, attachType: AttachType.MODIFY_RETURN, sleepable: true },
  { prefix: 'fexit.s+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_FEXIT, sleepable: true },
  { prefix: 'freplace+', programType: ProgramType.EXT },
  { prefix: 'lsm+', programType: ProgramType.LSM, attachType: AttachType.LSM_MAC },
  { prefix: 'lsm.s+', programType: ProgramType.LSM, attachType: AttachType.LSM_MAC, sleepable: true },
  { prefix: 'iter+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_ITER },
  { prefix: 'iter.s+', programType: ProgramType.TRACING, attachType: AttachType.TRACE_ITER, sleepable: true },
  { prefix: 'syscall', programType: ProgramType.SYSCALL, sleepable: true },
  { prefix: 'xdp', programType: ProgramType.XDP, attachType: AttachType.XDP },
  { prefix: 'perf_event', programType: ProgramType.PERF_EVENT },
  { prefix: 'sockops', programType: ProgramType.SOCK_OPS, attachType: AttachType.CGROUP_SOCK_OPS },
  { prefix: 'sk_skb', programType: ProgramType.SK_SKB },
  { prefix: 'sk_msg', programType: ProgramType.SK_MSG, attachType: AttachType.SK_MSG_VERDICT },
  { prefix: 'flow_dissector', programType: ProgramType.FLOW_DISSECTOR, attachType: AttachType.FLOW_DISSECTOR },
  { prefix: 'cgroup_skb/ingress', programType: ProgramType.CGROUP_SKB, attachType: AttachType.CGROUP_INET_INGRESS },
  { prefix: 'cgroup_skb/egress', programType: ProgramType.CGROUP_SKB, attachType: AttachType.CGROUP_INET_EGRESS },
  { prefix: 'cgroup/skb', programType: ProgramType.CGROUP_SKB },
  { prefix: 'cgroup/sock', programType: ProgramType.CGROUP_SOCK, attachType: AttachType.CGROUP_INET_SOCK_CREATE },
  { prefix: 'cgroup/bind4', programType: ProgramType.CGROUP_SOCK_ADDR, attachType: AttachType.CGROUP_INET4_BIND },
  { prefix: 'cgroup/bind6', programType: ProgramType.CGROUP_SOCK_ADDR, attachType: AttachType.CGROUP_INET6_BIND },
  { prefix: 'cgroup/connect4', programType: ProgramType.CGROUP_SOCK_ADDR, attachType: AttachType.CGROUP_INET4_CONNECT },
  { prefix: 'cgroup/connect6', programType: ProgramType.CGROUP_SOCK_ADDR, attachType: AttachType.CGROUP_INET6_CONNECT },
  { prefix: 'cgroup/sysctl', programType: ProgramType.CGROUP_SYSCTL, attachType: AttachType.CGROUP_SYSCTL },
  { prefix: 'cgroup/getsockopt', programType: ProgramType.CGROUP_SOCKOPT, attachType: AttachType.CGROUP_GETSOCKOPT },
  { prefix: 'cgroup/setsockopt', programType: ProgramType.CGROUP_SOCKOPT, attachType: AttachType.CGROUP_SETSOCKOPT },
  { prefix: 'cgroup/dev', programType: ProgramType.CGROUP_DEVICE, attachType: AttachType.CGROUP_DEVICE },
  { prefix: 'struct_ops+', programType: ProgramType.STRUCT_OPS },
  { prefix: 'sk_lookup', programType: ProgramType.SK_LOOKUP, attachType: AttachType.SK_LOOKUP },
];

/** Describes section `name` (without a leading '?'). */
export function attachInfo(name: string): AttachInfo {
  for (const def of SECTION_DEFS) {
    const open = def.prefix.endsWith('+');
    const prefix = open ? def.prefix.slice(0, -1) : def.prefix;
    let target: string;
    if (open) {
      if (!name.startsWith(prefix) || (name.length > prefix.length && name[prefix.length] !== '/')) continue;
      target = name.slice(prefix.length + 1);
    } else {
      if (name !== prefix) continue;
      target = '';
    }
    return { kind: prefix, target, programType: def.programType, expectedAttachType: def.attachType ?? 0, sleepable: def.sleepable ?? false };
  }
  return { kind: '', target: '', programType: 0, expectedAttachType: 0, sleepable: false };
}
