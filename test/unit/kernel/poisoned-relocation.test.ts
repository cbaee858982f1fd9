/**
 * A verifier rejection at a CO-RE-poisoned instruction is reported as the relocation the kernel's
 * BTF could not satisfy (what 5.10 said of bitehist's block_rq_completion struct before its flavours), on the first
 * line, where the module status keeps it; other rejections keep the verifier's own words.
 */
import { describe, expect, it } from 'vitest';
import { VerifierError } from '../../../agent/src/kernel/errors.ts';
import { poisonedRelocationMessage } from '../../../agent/src/kernel/loader/poisoned-relocation.ts';
import type { CoreFixup } from '../../../agent/src/object/index.ts';

function fixup(program: string, relo: number, poisoned: boolean): CoreFixup {
  return {
    program, relo, insn: relo * 4, kind: 'byte_off', local: `struct trace_event_raw_block_rq_completion.dev (0:1 @ offset ${8 * (relo + 1)})`, localType: 'trace_event_raw_block_rq_completion',
    target: poisoned ? null : 'struct trace_event_raw_block_rq_completion.dev (0:1 @ offset 8)', patches: [], poisoned,
  };
}

const rejected = (program: string, reason: string) => new VerifierError(program, reason, ['0: (85) call unknown#195896080'], 'log', 'EINVAL');

describe('poisonedRelocationMessage', () => {
  it('names every poisoned relocation of the rejected program, first', () => {
    const message = poisonedRelocationMessage(rejected('on_complete', 'invalid func unknown#195896080'), [fixup('on_complete', 0, true), fixup('on_complete', 1, true), fixup('on_issue', 2, true)]);
    const [first, ...rest] = message!.split('\n');
    expect(first).toBe(
      "prog 'on_complete': failed to resolve CO-RE relocation: this kernel's BTF has no match for " +
        'relo #0: insn #0: <byte_off> struct trace_event_raw_block_rq_completion.dev (0:1 @ offset 8); ' +
        'relo #1: insn #4: <byte_off> struct trace_event_raw_block_rq_completion.dev (0:1 @ offset 16); ' +
        "the module needs a CO-RE flavour for this kernel's layout, chosen by bpf_core_type_exists() or bpf_core_field_exists()",
    );
    expect(rest.join('\n')).toContain("prog 'on_complete': the kernel verifier rejected it (EINVAL): invalid func unknown#195896080");
  });

  it('leaves other rejections, and programs without poisoned relocations, to the verifier', () => {
    expect(poisonedRelocationMessage(rejected('on_complete', 'R1 invalid mem access'), [fixup('on_complete', 0, true)])).toBeNull();
    expect(poisonedRelocationMessage(rejected('on_complete', 'invalid func unknown#195896080'), [fixup('on_complete', 0, false), fixup('on_issue', 1, true)])).toBeNull();
  });
});
