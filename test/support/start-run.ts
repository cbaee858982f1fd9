/**
 * Runs `mote start --seconds N` as a newcomer would, through a pseudo-terminal (util-linux
 * script(1)) or a pipe, and reads what it shows: each module's section of the live view, what its
 * fleet dashboard (`mote serve`, in the same process) lists while it runs, and the
 * qemu-system-arm and mosquitto processes of its own that outlive it (found by command line: the
 * image folder of `mote start`, the port of the broker it started).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, repoRoot } from '../../bundler/paths.ts';

/** The built-in modules, as their manifests name them. */
export function builtinModuleNames(): string[] {
  const root = join(repoRoot, 'agent', 'modules');
  return readdirSync(root)
    .filter((dir) => existsSync(join(root, dir, 'manifest.json')))
    .map((dir) => (JSON.parse(readFileSync(join(root, dir, 'manifest.json'), 'utf8')) as { name: string }).name)
    .sort();
}

export interface StartRun {
  code: number | null;
  /** Everything shown, escapes and carriage returns included. */
  raw: string;
  /** The same without escapes or carriage returns. */
  text: string;
  /** The port of the mosquitto it started, from its `[start] broker:` line. */
  brokerPort: number | null;
  /** The last answer of its fleet dashboard's `/api/fleet` that listed a device, read while it ran. */
  fleet: FleetAnswer | null;
  ms: number;
}

/** The part of `GET /api/fleet` the test reads (bundler/web/API.md). */
export interface FleetAnswer {
  devices: { device: string; online: boolean; arch: string; modules: { name: string; error?: string }[] }[];
}

/** Polls the dashboard URL `mote start` prints, keeping the last fleet answer that lists a device. */
function watchFleet(output: () => string): { stop(): void; last(): FleetAnswer | null } {
  let last: FleetAnswer | null = null;
  const timer = setInterval(() => {
    const url = output().match(/\[start\] fleet dashboard: (http:\/\/\S+?)\/? /)?.[1];
    if (!url) return;
    fetch(`${url}/api/fleet`)
      .then((response) => response.json() as Promise<FleetAnswer>)
      .then((answer) => {
        if (answer.devices.length > 0) last = answer;
      })
      .catch(() => undefined); // not listening yet, or already stopped: the next poll tells
  }, 2000);
  return { stop: () => clearInterval(timer), last: () => last };
}

/** `mote start --seconds <seconds>` from the checkout; killed (and failed by the caller) after `limitMs`. */
export function runStart(seconds: number, via: 'pty' | 'pipe', limitMs: number): Promise<StartRun> {
  const command = ['node', 'bundler/cli/mote.mjs', 'start', '--seconds', String(seconds)];
  const [file, args] = via === 'pty' ? ['script', ['-qfec', command.join(' '), '/dev/null']] : [command[0]!, command.slice(1)];
  const started = Date.now();
  const child = spawn(file, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const fleet = watchFleet(() => raw);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      fleet.stop();
      const text = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      const port = text.match(/\[start\] broker: mqtt:\/\/127\.0\.0\.1:(\d+) \(local mosquitto/)?.[1];
      resolve({ code, raw, text, brokerPort: port ? Number(port) : null, fleet: fleet.last(), ms: Date.now() - started });
    });
  });
}

/** The rows under the live view's last `[<module> <version>]` heading, up to the blank line. */
export function lastSection(text: string, module: string): { records: number; rows: string[] } | null {
  const headings = [...text.matchAll(new RegExp(`^\\[${module} \\S+\\] seq \\d+, window \\d+ ms, (\\d+) records$`, 'gm'))];
  const last = headings[headings.length - 1];
  if (!last) return null;
  const after = text.slice(last.index! + last[0].length + 1);
  return { records: Number(last[1]), rows: after.slice(0, after.search(/\n\n|$/)).split('\n').filter(Boolean) };
}

interface ProcessInfo {
  pid: number;
  argv: string[];
}

function processes(): ProcessInfo[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      return argv.length ? [{ pid: Number(name), argv }] : [];
    } catch {
      return [];
    }
  });
}

/** qemu-system-arm processes booting the image `mote start` builds (not the tests' own image folders). */
export function startGuests(): number[] {
  const kernel = join(buildDir, 'boards', 'qemu-armv7', 'vmlinuz');
  return processes().filter((p) => p.argv[0]?.endsWith('qemu-system-arm') && p.argv.includes(kernel)).map((p) => p.pid);
}

/** mosquitto processes whose config listens on `port`. */
export function brokersOnPort(port: number): number[] {
  return processes()
    .filter((p) => p.argv[0]?.endsWith('mosquitto') && p.argv.includes('-c'))
    .filter((p) => {
      const config = p.argv[p.argv.indexOf('-c') + 1]!;
      return existsSync(config) && readFileSync(config, 'utf8').includes(`listener ${port} `);
    })
    .map((p) => p.pid);
}
