/**
 * `mote bench board`: the agent against a C loader on Debian's libbpf, one after the other in
 * the same boot of the emulated qemu-armv7 board, under the same light workload (execs, a TCP
 * listen and connect, pings, direct block writes):
 *  - mote-agent sample --json, every built-in module at a 1 s interval;
 *  - bpf-read-bench (board-reference.ts): the same armhf CO-RE objects, each with the same
 *    minimized BTF the agent embeds (btf_custom_path), the programs of each module's first
 *    variant (the run says so when the agent chose another), attached, and every second the same maps read with batch lookups (ring buffers
 *    consumed). It reads and does nothing else: no decoding, no records.
 * For each: startup to the first record (from the exec, /proc/uptime), CPU per sampling cycle
 * (utime + stime over a 20 s window, /proc/<pid>/stat), and peak RSS (VmHWM). Under
 * qemu-system-arm's emulation only the ratios mean anything. Needs root (qemu).
 */
import { readFileSync } from 'node:fs';
import { buildAgent } from '../build/agent.ts';
import { buildModules } from '../build/modules.ts';
import { parseManifest, type ModuleManifest } from '../../agent/src/sample/decode/manifest.ts';
import { bootOnce } from '../board/boot-once.ts';
import { buildReferenceLoader } from './board-reference.ts';

const INTERVAL_MS = 1000;
const WARM_SECONDS = 3;
const WINDOW_SECONDS = 20;
/** USER_HZ of Debian's armhf kernel: /proc/<pid>/stat counts CPU time in these. */
const TICKS_PER_SECOND = 100;

/** bpf-read-bench's options for one module: its object, BTF, the first variant's programs, its maps. */
function referenceOptions(manifest: ModuleManifest, object: string, btf: string): string[] {
  const options = ['--object', object, '--btf', btf, '--programs', manifest.variants[0]!.programs.join(',')];
  const { record } = manifest;
  if (record.kind === 'events') options.push('--ring', record.map);
  else options.push('--read', 'read' in record && record.read === 'reset' ? `${record.map}=reset` : record.map);
  if (record.kind === 'events' && record.lostMap) options.push('--read', record.lostMap);
  return options;
}

/** A guest shell function: runs a command, times its first record, then its CPU and memory. */
const BENCH_FUNCTION = `
uptime_s() { cut -d' ' -f1 /proc/uptime; }
cpu_ticks() { set -- $(cat /proc/$1/stat); echo $(( \${14} + \${15} )); }
bench() {
  name=$1; shift
  rm -f /run/bench.fifo /run/bench.first; mkfifo /run/bench.fifo
  start=$(uptime_s)
  "$@" > /run/bench.fifo 2> /run/bench.$name.err &
  pid=$!
  { while read -r line; do case "$line" in *'"record"'*|cycle*) break;; esac; done; uptime_s > /run/bench.first; cat > /run/bench.$name.out; } < /run/bench.fifo &
  for i in $(seq 1 900); do [ -s /run/bench.first ] && break; kill -0 $pid 2>/dev/null || break; sleep 1; done
  if ! [ -s /run/bench.first ]; then echo "MOTE-BOARD-FAILED $name"; cat /run/bench.$name.err; return; fi
  sleep ${WARM_SECONDS}
  t1=$(uptime_s); c1=$(cpu_ticks $pid)
  sleep ${WINDOW_SECONDS}
  t2=$(uptime_s); c2=$(cpu_ticks $pid)
  hwm=$(sed -n 's/^VmHWM:[^0-9]*\\([0-9]*\\).*/\\1/p' /proc/$pid/status)
  kill -TERM $pid; wait $pid
  sleep 1
  echo "MOTE-BOARD $name start $start first $(cat /run/bench.first) window $t1 $t2 ticks $c1 $c2 hwm_kib $hwm"
  grep -o '"module":"[^"]*","version":"[^"]*","variant":"[^"]*"' /run/bench.$name.out | sort -u | sed 's/^/MOTE-BOARD-VARIANT /'
  tail -n 3 /run/bench.$name.err
}
`;

const WORKLOAD = `
dd if=/dev/zero of=/tmp/disk.img bs=1M count=4 2>/dev/null; losetup /dev/loop0 /tmp/disk.img
( while true; do
  /bin/busybox true; nc -l -p 7777 -e /bin/true & sleep 0.3; echo hi | nc 127.0.0.1 7777
  ping -c 2 -i 0.2 127.0.0.1 >/dev/null; dd if=/dev/zero of=/dev/loop0 bs=4096 count=4 oflag=direct 2>/dev/null
  sleep 1
done ) &
workload=$!
`;

interface Measured {
  startupS: number;
  cpuMsPerCycle: number;
  cpuShare: number;
  hwmMiB: number;
}

function parseRun(console: string, name: string): Measured {
  const failed = console.indexOf(`MOTE-BOARD-FAILED ${name}`);
  if (failed >= 0) throw new Error(`${name} did not produce a first record in the guest:\n${console.slice(failed, failed + 3000)}`);
  const line = new RegExp(`MOTE-BOARD ${name} start (\\S+) first (\\S+) window (\\S+) (\\S+) ticks (\\d+) (\\d+) hwm_kib (\\d+)`).exec(console);
  if (!line) throw new Error(`no result line for ${name}; console tail:\n${console.split('\n').slice(-40).join('\n')}`);
  const [start, first, t1, t2, c1, c2, hwm] = line.slice(1).map(Number) as [number, number, number, number, number, number, number];
  const cpuS = (c2 - c1) / TICKS_PER_SECOND;
  const cycles = ((t2 - t1) * 1000) / INTERVAL_MS;
  return { startupS: first - start, cpuMsPerCycle: (cpuS * 1000) / cycles, cpuShare: cpuS / (t2 - t1), hwmMiB: hwm / 1024 };
}

await buildAgent(() => {});
const modules = await buildModules(() => {});
const reference = await buildReferenceLoader();
const files: Record<string, string> = { 'bench/bpf-read-bench': reference.binary };
const manifests = new Map(modules.map((m) => [m.name, parseManifest(readFileSync(m.manifestPath, 'utf8'))]));
const socketModule = [...manifests.values()].find((m) => m.variants[0]!.name === 'socket');
const referenceArgs = ['--interval-ms', String(INTERVAL_MS), ...(socketModule ? ['--interface', socketModule.interface] : [])];
for (const module of modules) {
  const manifest = manifests.get(module.name)!;
  const object = module.objects.find((o) => o.arch === 'armhf')!;
  files[`bench/${module.name}.o`] = object.path;
  files[`bench/${module.name}.btf`] = module.btfs[0]!.path;
  referenceArgs.push(...referenceOptions(manifest, `/bench/${module.name}.o`, `/bench/${module.name}.btf`));
}
const command = [
  BENCH_FUNCTION,
  'chmod +x /bench/bpf-read-bench',
  WORKLOAD,
  `bench agent /bin/mote-agent sample --json --interval-ms ${INTERVAL_MS}`,
  `bench c /bench/bpf-read-bench ${referenceArgs.join(' ')}`,
  'kill $workload',
].join('\n');
const boot = await bootOnce({ broker: 'mqtt://10.0.2.2:1', device: 'board-bench', intervalMs: INTERVAL_MS }, { files, command }, { limitMs: 1_500_000, consoleName: 'board-bench.log' });
const text = boot.console.replace(/\r/g, '');
const agent = parseRun(text, 'agent');
const c = parseRun(text, 'c');

const variants = [...text.matchAll(/^MOTE-BOARD-VARIANT "module":"(\w+)","version":"[^"]*","variant":"([\w-]+)"/gm)].map((m) => [m[1]!, m[2]!] as const);
const mismatched = modules.flatMap((module) => {
  const manifest = manifests.get(module.name)!;
  const ran = variants.find(([name]) => name === module.name)?.[1];
  return ran === manifest.variants[0]!.name ? [] : [`${module.name}: agent ${ran ?? 'no record'}, C ${manifest.variants[0]!.name}`];
});

console.log(`qemu-armv7 board (qemu-system-arm, Debian's ${boot.release} kernel), ${modules.length} built-in modules, every ${INTERVAL_MS} ms, one boot, same workload.`);
console.log('Under emulation only the ratios mean anything: absolute times are qemu\'s, not a Cortex-A7\'s.');
console.log(`C reference: bpf-read-bench, static armhf, ${reference.versions.join(', ')}; batch lookups, no decoding, no records.`);
const row = (what: string, a: string, b: string, ratio: number) => console.log(`  ${what.padEnd(34)} ${a.padStart(12)} ${b.padStart(12)} ${ratio.toFixed(1).padStart(9)}x`);
console.log(`  ${''.padEnd(34)} ${'mote-agent'.padStart(12)} ${'C (libbpf)'.padStart(12)} ${'agent / C'.padStart(10)}`);
row('startup to first record (s)', agent.startupS.toFixed(2), c.startupS.toFixed(2), agent.startupS / c.startupS);
row(`  less the first ${INTERVAL_MS} ms interval`, (agent.startupS - INTERVAL_MS / 1000).toFixed(2), (c.startupS - INTERVAL_MS / 1000).toFixed(2), (agent.startupS - INTERVAL_MS / 1000) / Math.max(c.startupS - INTERVAL_MS / 1000, 0.01));
row('CPU per sampling cycle (ms)', agent.cpuMsPerCycle.toFixed(1), c.cpuMsPerCycle.toFixed(1), agent.cpuMsPerCycle / Math.max(c.cpuMsPerCycle, 10 / WINDOW_SECONDS));
row('  share of the guest CPU (%)', (agent.cpuShare * 100).toFixed(2), (c.cpuShare * 100).toFixed(2), agent.cpuShare / Math.max(c.cpuShare, 0.01 / WINDOW_SECONDS));
row('peak RSS, VmHWM (MiB)', agent.hwmMiB.toFixed(2), c.hwmMiB.toFixed(2), agent.hwmMiB / c.hwmMiB);
console.log(`CPU from ${WINDOW_SECONDS} s of /proc/<pid>/stat at 10 ms ticks (a C figure of 0 ticks is shown as at most one tick for the ratio).`);
if (mismatched.length) console.log(`variants differ (the C loader ran each manifest's first): ${mismatched.join('; ')}`);
