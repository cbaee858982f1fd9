/**
 * The load path on this host's kernel (with /sys/kernel/btf/vmlinux), each figure beside a
 * reference measured in the same run:
 *  - object load time, cold and warm: `mote-agent load --no-attach` with no cache, and with
 *    warm ones (`--cache-dir`, filled by a first load: the relocation cache, the feature
 *    probes' answers and the kernel BTF's digest for this boot, so warm also skips the probes
 *    and the hashing of the kernel BTF), and warm as the first load after a reboot finds it (the
 *    boot's digest gone: the kernel BTF is hashed once), against `bpftool prog loadall`
 *    (libbpf) on the same libbpf-tools CO-RE objects; medians of ROUNDS alternating runs;
 *  - startup to the first published record: `mote-agent run` with every built-in module against
 *    a local mosquitto, from the spawn to the first telemetry message a subscriber receives, with
 *    an empty relocation cache and then a warm one; the references are QuickJS's own start
 *    (`mote-agent version`) and libbpf loading the same seven module objects one after another;
 *  - peak RSS (VmHWM) of that agent 2 s after its first record, cold and warm, against
 *    bpftool's peak loading the largest of those objects.
 * Wall times on a shared machine: the load average is printed first. Needs root.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Mosquitto } from '../broker/mosquitto.ts';
import { fixtureSources } from '../fixtures/bpf-fixtures.ts';
import { compileBpf } from '../build/bpf-compile.ts';
import { ensureHostBtf } from '../btf/index.ts';
import { agentBinary, buildDir } from '../paths.ts';
import { KERNEL_BTF_DIGEST_FILE } from '../../agent/src/kernel/btf-digest.ts';
import { median, timeMs } from './bench-timing.ts';

const ROUNDS = 7;
const STARTS = 3;

const pinDir = `/sys/fs/bpf/mote-bench-${process.pid}`;

/** `bpftool prog loadall`; false when libbpf could not load every program of the object. */
function bpftoolLoad(object: string): boolean {
  const loaded = spawnSync('bpftool', ['prog', 'loadall', object, pinDir], { stdio: 'ignore' }).status === 0;
  rmSync(pinDir, { recursive: true, force: true });
  return loaded;
}

function agentLoad(object: string, cacheDir: string | null): void {
  execFileSync(agentBinary.host, ['load', object, '--no-attach', '--seconds', '0', '--json', ...(cacheDir ? ['--cache-dir', cacheDir] : [])], { stdio: 'ignore' });
}

async function loadTimes(): Promise<void> {
  const host = await ensureHostBtf();
  const names = ['execsnoop', 'opensnoop', 'runqlat', 'biolatency', 'tcpconnect'];
  console.log(`object load time, median of ${ROUNDS} (mote-agent load --no-attach vs bpftool prog loadall; both relocate against /sys/kernel/btf/vmlinux, create the maps and load every program)`);
  console.log(`${'object'.padEnd(12)} ${'libbpf ms'.padStart(10)} ${'cold ms'.padStart(8)} ${'cold/libbpf'.padStart(12)} ${'warm ms'.padStart(8)} ${'warm/libbpf'.padStart(12)} ${'rebooted ms'.padStart(12)} ${'rebooted/libbpf'.padStart(16)}`);
  const cacheDir = mkdtempSync(join(tmpdir(), 'mote-bench-cache-'));
  const bootDigest = join(cacheDir, KERNEL_BTF_DIGEST_FILE);
  try {
    for (const source of fixtureSources('tools').filter((s) => names.includes(s.name))) {
      const object = (await compileBpf({ source: source.path, arch: 'x86', includeDirs: [join(host.headerPath, '..')] })).path;
      agentLoad(object, cacheDir); // fills the cache for the warm runs
      const [libbpf, cold, warm, rebooted]: number[][] = [[], [], [], []];
      for (let round = 0; round < ROUNDS; round++) {
        libbpf.push(timeMs(() => bpftoolLoad(object)));
        cold.push(timeMs(() => agentLoad(object, null)));
        warm.push(timeMs(() => agentLoad(object, cacheDir)));
        rmSync(bootDigest, { force: true }); // as after a reboot: the next load hashes the kernel BTF and keeps the digest again
        rebooted.push(timeMs(() => agentLoad(object, cacheDir)));
      }
      const [l, c, w, r] = [median(libbpf), median(cold), median(warm), median(rebooted)];
      console.log(`${source.name.padEnd(12)} ${l.toFixed(1).padStart(10)} ${c.toFixed(1).padStart(8)} ${(c / l).toFixed(2).padStart(11)}x ${w.toFixed(1).padStart(8)} ${(w / l).toFixed(2).padStart(11)}x ${r.toFixed(1).padStart(12)} ${(r / l).toFixed(2).padStart(15)}x`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** The x86_64 objects of the built-in modules, as the build left them. */
function moduleObjects(): string[] {
  const root = join(buildDir, 'modules');
  return readdirSync(root).flatMap((name) => readdirSync(join(root, name)).filter((f) => /\.x86_64\.[0-9a-f]+\.o$/.test(f)).map((f) => join(root, name, f)));
}

function peakRssKiB(command: string, args: string[]): number {
  const run = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', command, ...args], { encoding: 'utf8' });
  return Number(/MAXRSS (\d+)/.exec(run.stderr)?.[1] ?? NaN);
}

interface Start {
  firstRecordMs: number;
  hwmKiB: number;
}

/** `mote-agent run` with every module until its first record arrives, then its VmHWM 2 s later. */
async function startToFirstRecord(broker: Mosquitto, cacheDir: string, round: number): Promise<Start> {
  const device = `bench-load-${process.pid}-${round}`;
  const subscriber = await mqtt.connectAsync(broker.url);
  await subscriber.subscribeAsync(`mote/v1/${device}/telemetry/#`, { qos: 1 });
  const first = new Promise<number>((resolve) => subscriber.once('message', () => resolve(performance.now())));
  const started = performance.now();
  const agent = spawn(agentBinary.host, ['run', '--broker', broker.url, '--device', device, '--interval-ms', '100', '--cache-dir', cacheDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  agent.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no record from the agent in 60 s:\n${log}`)), 60_000)));
    const firstRecordMs = (await Promise.race([first, timeout])) - started;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const hwmKiB = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1]);
    return { firstRecordMs, hwmKiB };
  } finally {
    clearTimeout(timer);
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent.once('exit', resolve));
    await subscriber.endAsync();
  }
}

async function startupAndMemory(): Promise<void> {
  const objects = moduleObjects();
  const broker = await Mosquitto.start();
  const cacheDir = mkdtempSync(join(tmpdir(), 'mote-bench-cache-'));
  try {
    const cold: Start[] = [];
    const warm: Start[] = [];
    for (let round = 0; round < STARTS; round++) {
      rmSync(cacheDir, { recursive: true, force: true });
      cold.push(await startToFirstRecord(broker, cacheDir, round * 2));
      warm.push(await startToFirstRecord(broker, cacheDir, round * 2 + 1));
    }
    const version = median(Array.from({ length: ROUNDS }, () => timeMs(() => execFileSync(agentBinary.host, ['version'], { stdio: 'ignore' }))));
    // libbpf loads an object whole or not at all: modules with hook variants this kernel lacks are left out of the reference.
    const whole = objects.filter(bpftoolLoad);
    if (whole.length === 0) throw new Error(`libbpf (bpftool prog loadall) loaded none of the ${objects.length} module objects on this kernel, so there is no reference; run bpftool prog loadall on one by hand to see why`);
    const left = objects.filter((o) => !whole.includes(o)).map((o) => o.split('/').pop()!.split('.')[0]);
    const libbpfAll = median(Array.from({ length: STARTS }, () => timeMs(() => whole.forEach(bpftoolLoad))));
    const reference = `libbpf loading ${whole.length} of the ${objects.length} objects one after another (${libbpfAll.toFixed(0)} ms${left.length ? `; ${left.join(', ')} left out: libbpf refuses a variant this kernel lacks` : ''})`;
    const firstCold = median(cold.map((s) => s.firstRecordMs));
    const firstWarm = median(warm.map((s) => s.firstRecordMs));
    console.log(`\nstartup to the first published record, mote-agent run with the ${objects.length} built-in modules at 10 Hz, local mosquitto, median of ${STARTS}`);
    console.log(`  cold (empty relocation cache)  ${firstCold.toFixed(0).padStart(6)} ms   ${(firstCold / libbpfAll).toFixed(2)}x ${reference}`);
    console.log(`  warm (relocation cache filled) ${firstWarm.toFixed(0).padStart(6)} ms   ${(firstWarm / libbpfAll).toFixed(2)}x libbpf; QuickJS's own start (mote-agent version) ${version.toFixed(0)} ms`);
    const largest = whole.reduce((a, b) => (readFileSync(a).length >= readFileSync(b).length ? a : b));
    const bpftoolKiB = peakRssKiB('bpftool', ['prog', 'loadall', largest, pinDir]);
    rmSync(pinDir, { recursive: true, force: true });
    const hwmCold = median(cold.map((s) => s.hwmKiB)) / 1024;
    const hwmWarm = median(warm.map((s) => s.hwmKiB)) / 1024;
    console.log(`\npeak RSS (VmHWM) of that agent 2 s after its first record, every module loaded (target 8 MiB)`);
    console.log(`  cold ${hwmCold.toFixed(1)} MiB, warm ${hwmWarm.toFixed(1)} MiB; bpftool (libbpf) loading ${largest.split('/').pop()} alone: ${(bpftoolKiB / 1024).toFixed(1)} MiB (${(hwmCold / (bpftoolKiB / 1024)).toFixed(2)}x, ${(hwmWarm / (bpftoolKiB / 1024)).toFixed(2)}x)`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    await broker.stop();
  }
}

if (process.getuid?.() !== 0) {
  console.log('load bench skipped: it loads BPF programs, run it as root');
} else {
  spawnSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'ignore' });
  const [one, five] = loadavg();
  console.log(`load average ${one.toFixed(1)} (1 min), ${five.toFixed(1)} (5 min) on this host while measuring`);
  await loadTimes();
  await startupAndMemory();
}
