/**
 * One build at a time per checkout: several test runs or shells building build/ at once would
 * interleave esbuild, qjsc and make outputs. A lock directory names its owner's pid; a lock
 * whose owner has died is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MoteError } from '../../agent/src/errors.ts';

const WAIT_LIMIT_MS = 15 * 60 * 1000;

function ownerAlive(lockDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function withBuildLock<T>(buildDir: string, work: () => Promise<T>, log: (line: string) => void): Promise<T> {
  const lockDir = join(buildDir, '.build-lock');
  mkdirSync(buildDir, { recursive: true });
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch {
      if (!ownerAlive(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > WAIT_LIMIT_MS) throw new MoteError(`another build has held ${lockDir} for 15 minutes; if none is running, remove that directory`);
      if (!told) log(`[build] waiting for another build of this checkout to finish (${lockDir})`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
