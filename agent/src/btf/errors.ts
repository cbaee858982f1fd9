/** The error class of the BTF and BTF.ext readers and of the type graph helpers. */
import { MoteError } from '../errors.ts';

export class BtfError extends MoteError {
  readonly structure: string;
  readonly offset: number;

  constructor(structure: string, offset: number, problem: string) {
    super(`BTF ${structure} at offset ${offset}: ${problem}; regenerate the BTF (clang -g, or pahole --btf_encode_detached) and check it is not truncated`);
    this.structure = structure;
    this.offset = offset;
  }
}

/** A well-formed BTF whose type graph cannot answer a question (a cycle, a type without a size). */
export class BtfTypeError extends MoteError {}
