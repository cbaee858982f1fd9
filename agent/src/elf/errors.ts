/**
 * The one error class of the ELF reader. It names the structure being read and the byte offset
 * where the input stopped making sense, so a corrupt object can be located with a hex dump.
 */
import { MoteError } from '../errors.ts';

export class ElfError extends MoteError {
  readonly structure: string;
  readonly offset: number;

  constructor(structure: string, offset: number, problem: string) {
    super(`ELF ${structure} at offset ${offset}: ${problem}; rebuild the object with clang -target bpf or check that the file is not truncated`);
    this.structure = structure;
    this.offset = offset;
  }
}
