/** The relocation cache of one mote-agent process, under its version and build. */
import type { Sys } from '../sys/types.ts';
import { RelocationCache } from '../kernel/loader/relocation-cache.ts';
import type { BtfDigests } from '../kernel/btf-digest.ts';
import { AGENT_BUILD, AGENT_VERSION } from '../version.ts';

/** `digests`: shared with the feature cache (agentBtfDigests), so the kernel BTF's digest is taken once. */
export function agentRelocationCache(sys: Sys, dir: string, log: (line: string) => void, digests?: BtfDigests): RelocationCache {
  return new RelocationCache(sys, dir, `${AGENT_VERSION}+${AGENT_BUILD}`, log, digests);
}
