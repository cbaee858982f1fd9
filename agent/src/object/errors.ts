/** The error class of the object model: a clang-built .bpf.o that Mote cannot make sense of. */
import { MoteError } from '../errors.ts';

export class ObjectError extends MoteError {}
