/**
 * CO-RE errors: each carries its site as typed fields, libbpf's message prefix, and advice that
 * fits its category rather than one sentence for every failure.
 */
import { describe, expect, it } from 'vitest';
import { CoreRelocationError, type CoreProblem } from '../../../agent/src/object/core/index.ts';
import { MoteError } from '../../../agent/src/errors.ts';

const SITE = { program: 'handle_exec', relocation: 3, instruction: 12, kind: 'byte_off' };

describe('CoreRelocationError', () => {
  it('is a MoteError with the site as fields and as the libbpf-shaped prefix', () => {
    const error = new CoreRelocationError(SITE, 'incompatible-field', "relo 0 can't be satisfied for bitfield");
    expect(error).toBeInstanceOf(MoteError);
    expect(error).toMatchObject({ ...SITE, problem: 'incompatible-field', detail: "relo 0 can't be satisfied for bitfield", name: 'CoreRelocationError' });
    expect(error.message).toMatch(/^prog 'handle_exec': relo #3: insn #12: relo 0 can't be satisfied for bitfield; /);
  });

  const advice: [CoreProblem, RegExp][] = [
    ['malformed-object', /rebuild it from source with clang/],
    ['anonymous-type', /give the struct, union or enum a name/],
    ['ambiguous-target', /regenerate the minimized BTF/],
    ['incompatible-field', /CO-RE flavour \('struct name___suffix'\)/],
    ['damaged-btf', /regenerate the target BTF/],
  ];
  for (const [problem, words] of advice) {
    it(`advises on ${problem}`, () => {
      expect(new CoreRelocationError(SITE, problem, 'detail').message).toMatch(words);
    });
  }

  it('gives each category its own advice', () => {
    const texts = advice.map(([problem]) => new CoreRelocationError(SITE, problem, 'detail').message);
    expect(new Set(texts).size).toBe(advice.length);
  });
});
