/**
 * What a program section name says about loading and attaching it, following libbpf's SEC()
 * conventions: `kprobe/do_sys_open` is a kprobe program attached to do_sys_open. A `?` prefix
 * marks a program that is not loaded by default.
 */

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

const P = {
  SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, SCHED_ACT: 4, TRACEPOINT: 5, XDP: 6, PERF_EVENT: 7, CGROUP_SKB: 8,
  CGROUP_SOCK: 9, SOCK_OPS: 13, SK_SKB: 14, CGROUP_DEVICE: 15, SK_MSG: 16, RAW_TRACEPOINT: 17, CGROUP_SOCK_ADDR: 18,
  FLOW_DISSECTOR: 22, CGROUP_SYSCTL: 23, RAW_TRACEPOINT_WRITABLE: 24, CGROUP_SOCKOPT: 25, TRACING: 26, STRUCT_OPS: 27,
  EXT: 28, LSM: 29, SK_LOOKUP: 30, SYSCALL: 31,
} as const;

const A = {
  CGROUP_INET_INGRESS: 0, CGROUP_INET_EGRESS: 1, CGROUP_INET_SOCK_CREATE: 2, CGROUP_SOCK_OPS: 3, CGROUP_DEVICE: 6,
  SK_MSG_VERDICT: 7, CGROUP_INET4_BIND: 8, CGROUP_INET6_BIND: 9, CGROUP_INET4_CONNECT: 10, CGROUP_INET6_CONNECT: 11,
  FLOW_DISSECTOR: 17, CGROUP_SYSCTL: 18, CGROUP_GETSOCKOPT: 21, CGROUP_SETSOCKOPT: 22, TRACE_RAW_TP: 23,
  TRACE_FENTRY: 24, TRACE_FEXIT: 25, MODIFY_RETURN: 26, LSM_MAC: 27, TRACE_ITER: 28, XDP: 37, SK_LOOKUP: 36,
  TRACE_KPROBE_MULTI: 42,
} as const;

/** Order matters: the first matching prefix wins, as in libbpf's section_defs. */
const SECTION_DEFS: SectionDef[] = [
  { prefix: 'socket', programType: P.SOCKET_FILTER },
  { prefix: 'kprobe+', programType: P.KPROBE },
  { prefix: 'uprobe+', programType: P.KPROBE },
  { prefix: 'uprobe.s+', programType: P.KPROBE, sleepable: true },
  { prefix: 'kretprobe+', programType: P.KPROBE },
  { prefix: 'uretprobe+', programType: P.KPROBE },
  { prefix: 'uretprobe.s+', programType: P.KPROBE, sleepable: true },
  { prefix: 'kprobe.multi+', programType: P.KPROBE, attachType: A.TRACE_KPROBE_MULTI },
  { prefix: 'kretprobe.multi+', programType: P.KPROBE, attachType: A.TRACE_KPROBE_MULTI },
  { prefix: 'ksyscall+', programType: P.KPROBE },
  { prefix: 'kretsyscall+', programType: P.KPROBE },
  { prefix: 'usdt+', programType: P.KPROBE },
  { prefix: 'tc', programType: P.SCHED_CLS },
  { prefix: 'classifier', programType: P.SCHED_CLS },
  { prefix: 'action', programType: P.SCHED_ACT },
  { prefix: 'tracepoint+', programType: P.TRACEPOINT },
  { prefix: 'tp+', programType: P.TRACEPOINT },
  { prefix: 'raw_tracepoint+', programType: P.RAW_TRACEPOINT },
  { prefix: 'raw_tp+', programType: P.RAW_TRACEPOINT },
  { prefix: 'raw_tracepoint.w+', programType: P.RAW_TRACEPOINT_WRITABLE },
  { prefix: 'raw_tp.w+', programType: P.RAW_TRACEPOINT_WRITABLE },
  { prefix: 'tp_btf+', programType: P.TRACING, attachType: A.TRACE_RAW_TP },
  { prefix: 'fentry+', programType: P.TRACING, attachType: A.TRACE_FENTRY },
  { prefix: 'fmod_ret+', programType: P.TRACING, attachType: A.MODIFY_RETURN },
  { prefix: 'fexit+', programType: P.TRACING, attachType: A.TRACE_FEXIT },
  { prefix: 'fentry.s+', programType: P.TRACING, attachType: A.TRACE_FENTRY, sleepable: true },
  { prefix: 'fmod_ret.s+', programType: P.TRACING, attachType: A.MODIFY_RETURN, sleepable: true },
  { prefix: 'fexit.s+', programType: P.TRACING, attachType: A.TRACE_FEXIT, sleepable: true },
  { prefix: 'freplace+', programType: P.EXT },
  { prefix: 'lsm+', programType: P.LSM, attachType: A.LSM_MAC },
  { prefix: 'lsm.s+', programType: P.LSM, attachType: A.LSM_MAC, sleepable: true },
  { prefix: 'iter+', programType: P.TRACING, attachType: A.TRACE_ITER },
  { prefix: 'iter.s+', programType: P.TRACING, attachType: A.TRACE_ITER, sleepable: true },
  { prefix: 'syscall', programType: P.SYSCALL, sleepable: true },
  { prefix: 'xdp', programType: P.XDP, attachType: A.XDP },
  { prefix: 'perf_event', programType: P.PERF_EVENT },
  { prefix: 'sockops', programType: P.SOCK_OPS, attachType: A.CGROUP_SOCK_OPS },
  { prefix: 'sk_skb', programType: P.SK_SKB },
  { prefix: 'sk_msg', programType: P.SK_MSG, attachType: A.SK_MSG_VERDICT },
  { prefix: 'flow_dissector', programType: P.FLOW_DISSECTOR, attachType: A.FLOW_DISSECTOR },
  { prefix: 'cgroup_skb/ingress', programType: P.CGROUP_SKB, attachType: A.CGROUP_INET_INGRESS },
  { prefix: 'cgroup_skb/egress', programType: P.CGROUP_SKB, attachType: A.CGROUP_INET_EGRESS },
  { prefix: 'cgroup/skb', programType: P.CGROUP_SKB },
  { prefix: 'cgroup/sock', programType: P.CGROUP_SOCK, attachType: A.CGROUP_INET_SOCK_CREATE },
  { prefix: 'cgroup/bind4', programType: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_BIND },
  { prefix: 'cgroup/bind6', programType: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_BIND },
  { prefix: 'cgroup/connect4', programType: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET4_CONNECT },
  { prefix: 'cgroup/connect6', programType: P.CGROUP_SOCK_ADDR, attachType: A.CGROUP_INET6_CONNECT },
  { prefix: 'cgroup/sysctl', programType: P.CGROUP_SYSCTL, attachType: A.CGROUP_SYSCTL },
  { prefix: 'cgroup/getsockopt', programType: P.CGROUP_SOCKOPT, attachType: A.CGROUP_GETSOCKOPT },
  { prefix: 'cgroup/setsockopt', programType: P.CGROUP_SOCKOPT, attachType: A.CGROUP_SETSOCKOPT },
  { prefix: 'cgroup/dev', programType: P.CGROUP_DEVICE, attachType: A.CGROUP_DEVICE },
  { prefix: 'struct_ops+', programType: P.STRUCT_OPS },
  { prefix: 'sk_lookup', programType: P.SK_LOOKUP, attachType: A.SK_LOOKUP },
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
