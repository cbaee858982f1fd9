/**
 * The kernel feature probes of one mote-agent process. MOTE_FEATURES_OFF names features (as
 * `mote-agent features` prints them, comma-separated) the agent treats as missing, so a kernel
 * that has them runs the path of one that lacks them: `MOTE_FEATURES_OFF='ring buffer'` runs
 * the event modules on the perf buffer, as on Linux before 5.8.
 */
import * as std from 'std';
import type { Sys } from '../sys/types.ts';
import { FeatureProbes } from '../kernel/features/features.ts';
import { FeatureCache } from '../kernel/features/feature-cache.ts';
import { BtfDigests } from '../kernel/btf-digest.ts';
import { MoteError } from '../errors.ts';
import { AGENT_BUILD, AGENT_VERSION } from '../version.ts';

export const FEATURES_OFF_VARIABLE = 'MOTE_FEATURES_OFF';

/** The kernel BTF's digests of one mote-agent process, the kernel's own kept in `dir` for the boot. */
export function agentBtfDigests(sys: Sys, dir: string, log: (line: string) => void): BtfDigests {
  return new BtfDigests(sys, dir, `${AGENT_VERSION}+${AGENT_BUILD}`, log);
}

/** The feature cache in `dir`, for this kernel; `digests`: shared with the relocation cache. */
export function agentFeatureCache(sys: Sys, dir: string, log: (line: string) => void, digests = agentBtfDigests(sys, dir, log)): FeatureCache {
  return new FeatureCache(sys, dir, digests.ofRunningKernel(), `${AGENT_VERSION}+${AGENT_BUILD}`, log);
}

/** `cache`: answers this kernel gave before start the probes (keep them with cache.keep). */
export function agentFeatureProbes(sys: Sys, cache: FeatureCache | null = null): FeatureProbes {
  const turnedOff = (std.getenv(FEATURES_OFF_VARIABLE) ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  try {
    return new FeatureProbes(sys, { turnedOff, turnedOffBy: FEATURES_OFF_VARIABLE, remembered: cache?.recall() ?? {} });
  } catch (error) {
    if (!(error instanceof MoteError)) throw error;
    throw new MoteError(`${FEATURES_OFF_VARIABLE}: ${error.message}`);
  }
}
