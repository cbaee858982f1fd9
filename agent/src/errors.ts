/**
 * The root of Mote's error classes. Every error the agent or the host tools raise on purpose is
 * a MoteError subclass, so callers can tell our typed failures from bugs. Messages follow the
 * libbpf shape, most specific context last (`prog 'x': relo #3: insn #12: ...`), and end with
 * what the user can do next.
 */
export class MoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
