/**
 * What a failed module load says about itself, for the OTA result: a verifier refusal (with
 * the excerpt of the log the VerifierError message carries as `  | ` lines) or any other
 * load or attach failure.
 */
import { VerifierError } from '../kernel/errors.ts';

/** The phrase VerifierError puts in its message; loaders may pass it on inside their own error. */
const VERIFIER_REFUSAL = 'the kernel verifier rejected it';
const EXCERPT_LINE = /^ {2}\| ?(.*)$/;

export interface LoadFailure {
  reason: 'verifier' | 'load-failed';
  /** What failed, for the result's message: a verifier refusal's first line (its excerpt goes apart). */
  summary: string;
  excerpt: string[];
}

export function describeLoadFailure(error: unknown): LoadFailure {
  const message = error instanceof Error ? error.message : String(error);
  const summary = message.split('\n', 1)[0]!;
  if (error instanceof VerifierError) return { reason: 'verifier', summary, excerpt: error.excerpt };
  if (!message.includes(VERIFIER_REFUSAL)) return { reason: 'load-failed', summary: message, excerpt: [] };
  const excerpt = message.split('\n').flatMap((line) => {
    const match = line.match(EXCERPT_LINE);
    return match ? [match[1]!] : [];
  });
  return { reason: 'verifier', summary, excerpt };
}
