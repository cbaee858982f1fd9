/**
 * When the verifier rejects a program at an instruction CO-RE poisoned (a call to helper
 * 0xbad2310, libbpf's convention), "invalid func unknown#195896080" is all the kernel says. The
 * useful reason is the relocation that found no match in the target BTF: this names it, in
 * libbpf's words, so the module's error (and the one-line status) says which type or field the
 * kernel lacks.
 */
import type { CoreFixup } from '../../object/index.ts';
import { POISON_HELPER_ID } from '../../abi/insn.ts';
import type { VerifierError } from '../errors.ts';

export function poisonedRelocationMessage(error: VerifierError, fixups: CoreFixup[]): string | null {
  if (!error.reason.includes(`unknown#${POISON_HELPER_ID}`)) return null;
  const poisoned = fixups.filter((f) => f.program === error.program && f.poisoned);
  if (poisoned.length === 0) return null;
  const relocations = poisoned.map((f) => `relo #${f.relo}: insn #${f.insn}: <${f.kind}> ${f.local}`).join('; ');
  return `prog '${error.program}': failed to resolve CO-RE relocation: this kernel's BTF has no match for ${relocations}; the module needs a CO-RE flavour for this kernel's layout, chosen by bpf_core_type_exists() or bpf_core_field_exists()\n${error.message}`;
}
