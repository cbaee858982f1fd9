/**
 * Runs the external tools BTF sourcing needs (apt-get, dpkg-deb, pahole, bpftool) and turns
 * their failures into a BtfSourcingError naming the step, the command, its stderr tail and a
 * remedy, instead of a bare non-zero exit.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { BtfSourcingError } from './errors.ts';

export interface ToolRun {
  step: string;
  command: string;
  args: string[];
  cwd?: string;
  /** File that receives the tool's stdout (otherwise stdout is returned). */
  stdoutPath?: string;
  remedy: string;
}

export async function runTool(run: ToolRun): Promise<string> {
  const outFd = run.stdoutPath === undefined ? undefined : openSync(run.stdoutPath, 'w');
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(run.command, run.args, {
        cwd: run.cwd,
        stdio: ['ignore', outFd ?? 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        reject(new BtfSourcingError(run.step, `cannot run '${run.command}' (${e.message})`, run.remedy));
      });
      child.on('close', (code, signal) => {
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const tail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n');
        const how = signal ? `killed by ${signal}` : `exit status ${code}`;
        reject(new BtfSourcingError(run.step, `'${run.command} ${run.args.join(' ')}' failed (${how})${tail ? `:\n${tail}\n` : ''}`, run.remedy));
      });
    });
  } finally {
    if (outFd !== undefined) closeSync(outFd);
  }
}

/** Progress goes to stderr so `--json` output on stdout stays clean. */
export function progress(message: string): void {
  process.stderr.write(`btf: ${message}\n`);
}
