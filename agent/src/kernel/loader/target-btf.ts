/**
 * The BTF a load relocates against, parsed only when something needs its types: a load whose
 * relocations come from the cache never parses it. Its digest, half of the cache key, is taken
 * once (the kernel's own once per boot: btf-digest.ts). `release()` drops the parsed index and
 * gives the bytes back (a mapping is unmapped); the next load finds the BTF again.
 */
import type { Sys } from '../../sys/types.ts';
import { Btf } from '../../btf/btf.ts';
import { KERNEL_BTF_PATH, type KernelBtf } from '../btf-source.ts';
import { MoteError } from '../../errors.ts';
import type { BtfDigests } from '../btf-digest.ts';

export class TargetBtf {
  private parsed: Btf | null = null;
  private digest: string | null = null;
  private released = false;

  constructor(private readonly sys: Sys, private readonly kernel: KernelBtf) {}

  /** Where the BTF came from, for logs: a path, or `embedded:<release>`. */
  get source(): string {
    return this.kernel.source;
  }

  /** The kernel's own BTF, whose type ids the kernel knows (attach_btf_id of tracing programs). */
  get isKernelOwn(): boolean {
    return this.kernel.source === KERNEL_BTF_PATH;
  }

  /** Whether the types were needed so far (a load served from the cache leaves them unparsed). */
  get wasParsed(): boolean {
    return this.parsed !== null;
  }

  btf(): Btf {
    if (this.released) throw new MoteError(`the BTF from ${this.source} was used after its release; this is a bug in the agent, please report it`);
    this.parsed ??= Btf.parse(this.kernel.bytes, this.isKernelOwn);
    return this.parsed;
  }

  /**
   * 16 hex digits (Sys.hash) that change, but for a vanishing chance, whenever the BTF does;
   * `digests` remembers the kernel's own for the boot.
   */
  hash(digests?: BtfDigests): string {
    this.digest ??= digests ? digests.of(this.kernel) : this.sys.hash(this.kernel.bytes);
    return this.digest;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.parsed = null;
    this.kernel.release();
  }
}
