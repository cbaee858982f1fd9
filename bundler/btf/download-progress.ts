/**
 * Progress for a long download: while it runs, prints every few seconds the time spent and how
 * much has arrived in its directory (of how much, when the package index gave the size), so a
 * slow mirror is seen to be working.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from './run-tool.ts';

const INTERVAL_MS = 5000;

function bytesIn(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((sum, name) => {
      const stat = statSync(join(dir, name), { throwIfNoEntry: false });
      return sum + (stat?.isFile() ? stat.size : 0);
    }, 0);
  } catch {
    return 0;
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

export async function withDownloadProgress<T>(label: string, dir: string, totalBytes: number | undefined, download: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => {
    const done = bytesIn(dir);
    const seconds = Math.round((Date.now() - started) / 1000);
    progress(`${label}: ${seconds} s, ${mb(done)}${totalBytes ? ` of ${mb(totalBytes)} (${Math.floor((100 * done) / totalBytes)}%)` : ''} arrived`);
  }, INTERVAL_MS);
  try {
    return await download;
  } finally {
    clearInterval(timer);
  }
}
