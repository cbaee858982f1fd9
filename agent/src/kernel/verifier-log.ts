/**
 * Reading a verifier log: the reason is the last line that is not a statistic, and the excerpt
 * is the stretch of instructions (with the `; source` lines from line_info) just before it.
 */
import { decodeUtf8 } from '../bytes/utf8.ts';

const STATISTICS = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|mark_read|total_states|peak_states)/;

export interface VerifierSummary {
  reason: string;
  excerpt: string[];
}

export function summarizeVerifierLog(log: string, excerptLines = 12): VerifierSummary {
  const lines = log.split('\n').map((line) => line.trimEnd()).filter((line) => line.length > 0 && !STATISTICS.test(line));
  if (lines.length === 0) return { reason: 'the verifier gave no log', excerpt: [] };
  return { reason: lines[lines.length - 1], excerpt: lines.slice(-excerptLines) };
}

/** The text of a NUL-terminated log buffer. */
export function logText(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return decodeUtf8(end < 0 ? buffer : buffer.subarray(0, end));
}
