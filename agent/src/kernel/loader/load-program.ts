/**
 * Turns one program of a relocated object into a kernel program: links its subprograms, fills
 * map and global data references with map fds, attaches func/line info, finds the BTF id a
 * tracing program attaches to, and loads it.
 */
import type { Sys } from '../../sys/types.ts';
import type { TargetBtf } from './target-btf.ts';
import { linkProgram, type BpfObject, type BpfProgram } from '../../object/index.ts';
import { Insns, PseudoSrc } from '../../abi/insn.ts';
import { LoadError } from '../errors.ts';
import type { BpfMap } from '../map.ts';
import { loadProgram, type LoadedProgram } from '../program.ts';
import { funcAndLineInfo } from './func-line-info.ts';
import { AttachType, ProgramType } from '../../abi/program-types.ts';
import { Kind } from '../../abi/btf-kinds.ts';


export interface ProgramContext {
  sys: Sys;
  object: BpfObject;
  maps: Map<string, BpfMap>;
  btfFd: number | null;
  /** attach_btf_id of a tracing program (findAttachBtfId, or what the relocation cache kept). */
  attachBtfId: (program: BpfProgram) => number;
  kernelVersion: number;
}

/** attach_btf_id of a tracing program: the kernel function (fentry/fexit) or btf_trace_<tp> typedef (tp_btf). */
export function findAttachBtfId(target: TargetBtf, program: BpfProgram): number {
  const { expectedAttachType, target: attachTo } = program.attach;
  const rawTracepoint = expectedAttachType === AttachType.TRACE_RAW_TP;
  const name = rawTracepoint ? `btf_trace_${attachTo}` : attachTo;
  const kind = rawTracepoint ? Kind.TYPEDEF : Kind.FUNC;
  if (!target.isKernelOwn) throw new LoadError(`${program.attach.kind} needs the kernel's own BTF (/sys/kernel/btf/vmlinux), which this kernel lacks; use a kprobe or tracepoint variant`, { program: program.name });
  const btf = target.btf();
  const id = btf.idsByName(name).find((candidate) => btf.type(candidate).kind === kind);
  if (id === undefined) throw new LoadError(`the kernel has no ${rawTracepoint ? 'raw tracepoint' : 'function'} '${attachTo}' to attach ${program.attach.kind} to`, { program: program.name });
  return id;
}

export function loadObjectProgram(ctx: ProgramContext, program: BpfProgram): LoadedProgram {
  const text = ctx.object.elf.sectionByName('.text');
  const linked = linkProgram(program, ctx.object.programs, text?.index);
  const insns = new Insns(linked.insns);
  for (const reference of linked.references) {
    if (reference.kind === 'ksym') throw new LoadError(`kernel symbol '${reference.name}' (__ksym) is not supported by this loader yet; read it through a helper instead`, { program: program.name, instruction: reference.insn });
    const map = ctx.maps.get(reference.map);
    if (!map) throw new LoadError(`refers to map '${reference.map}', which was not created`, { program: program.name, instruction: reference.insn });
    insns.setSrc(reference.insn, reference.kind === 'map' ? PseudoSrc.MAP_FD : PseudoSrc.MAP_VALUE);
    insns.setImm(reference.insn, map.fd);
    if (reference.kind === 'data') insns.setImm(reference.insn + 1, reference.offset);
  }
  const info = ctx.btfFd !== null ? funcAndLineInfo(ctx.object, linked) : {};
  const tracing = program.attach.programType === ProgramType.TRACING;
  return loadProgram(ctx.sys, {
    name: program.name,
    programType: program.attach.programType,
    expectedAttachType: program.attach.expectedAttachType,
    insns: linked.insns,
    license: ctx.object.license,
    kernelVersion: ctx.object.kernelVersion || ctx.kernelVersion,
    flags: program.attach.sleepable ? 1 << 4 : 0,
    ...(ctx.btfFd !== null ? { btfFd: ctx.btfFd, ...info } : {}),
    ...(tracing ? { attachBtfId: ctx.attachBtfId(program) } : {}),
  });
}
