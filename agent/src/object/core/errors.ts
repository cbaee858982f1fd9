/** The error a CO-RE relocation raises when libbpf would refuse to load the program. */
import { MoteError } from '../../errors.ts';

export class CoreRelocationError extends MoteError {}
