/**
 * Footprint on the board, against the usual tools measured from the same source of truth:
 *  - the armhf mote-agent's size (static, stripped: everything in it);
 *  - its peak RSS (VmHWM) inside the emulated qemu-armv7 guest while it samples every built-in
 *    module at 1 Hz and publishes to a local mosquitto, read from /proc 30 s after every module
 *    runs;
 *  - the same for the armel agent (ARMv6, soft-float ABI) on the emulated Raspberry Pi Zero
 *    (qemu-raspi0), its size next to the armhf one's;
 *  - what BCC and bpftrace take installed on Debian armhf: the Installed-Size of the package
 *    and of its whole dependency closure, leaving out the packages every Debian system has
 *    (Priority: required), from apt's metadata.
 * Prints numbers only. Needs root (qemu, apt metadata).
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { Mosquitto } from '../broker/mosquitto.ts';
import { guestBrokerUrl } from '../board/guest-broker.ts';
import { buildAgent, buildBoardAgent } from '../build/agent.ts';
import { findBoard } from '../board/board-catalog.ts';
import { agentBinary } from '../paths.ts';
import { bootOnce } from '../board/boot-once.ts';

const MIB = 1024 * 1024;

function apt(args: string[]): string {
  return execFileSync('apt-cache', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

interface Installed {
  ownKiB: number;
  closureKiB: number;
  packages: number;
}

/** apt's record of `pkg` for armhf (or arch all), or null when Debian has no such build. */
function armhfRecord(pkg: string): string | null {
  for (const candidate of [`${pkg}:armhf`, pkg]) {
    try {
      const show = apt(['show', '--no-all-versions', candidate]);
      if (/^Architecture: (armhf|all)$/m.test(show)) return show;
    } catch {
      // not known under this name: try the next
    }
  }
  return null;
}

/** Installed-Size of `name` on armhf and of its Depends closure without Priority: required packages. */
function installedSize(name: string): Installed | null {
  const own = armhfRecord(name);
  if (!own) return null;
  const qualified = /^Architecture: armhf$/m.test(own) ? `${name}:armhf` : name;
  const closure = apt(['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', qualified])
    .split('\n').filter((line) => /^[a-z0-9]/.test(line)).map((line) => line.trim().replace(/:\w+$/, ''));
  let closureKiB = 0;
  let packages = 0;
  for (const pkg of new Set(closure)) {
    const show = armhfRecord(pkg);
    if (!show || /^Priority: required$/m.test(show)) continue; // virtual, or on every Debian system
    closureKiB += Number(/^Installed-Size: (\d+)$/m.exec(show)?.[1] ?? 0);
    packages++;
  }
  return { ownKiB: Number(/^Installed-Size: (\d+)$/m.exec(own)?.[1] ?? 0), closureKiB, packages };
}

async function peakRssInGuest(board: string): Promise<{ hwmKiB: number; rssKiB: number }> {
  const broker = await Mosquitto.start();
  try {
    const command = [
      '/bin/mote-agent run --config /etc/mote/config.json > /run/agent.log 2>&1 &',
      'pid=$!',
      'for i in $(seq 1 600); do grep -q "modules running" /run/agent.log && break; sleep 1; done',
      'sleep 30',
      'echo "MOTE-FOOTPRINT $(grep -E "^(VmHWM|VmRSS)" /proc/$pid/status | tr -s " \\t" " " | tr "\\n" " ")"',
      'kill -TERM $pid; wait $pid',
    ].join('\n');
    const boot = await bootOnce({ broker: guestBrokerUrl(broker.url), device: 'footprint', intervalMs: 1000 }, { command }, { board, limitMs: 900_000, consoleName: 'footprint.log' });
    const line = /MOTE-FOOTPRINT VmHWM: (\d+) kB VmRSS: (\d+) kB/.exec(boot.console);
    if (!line) throw new Error(`no footprint line in the guest console:\n${boot.console.split('\n').slice(-20).join('\n')}`);
    return { hwmKiB: Number(line[1]), rssKiB: Number(line[2]) };
  } finally {
    await broker.stop();
  }
}

await buildAgent(() => {});
const binary = statSync(agentBinary.armhf).size;
console.log(`armhf mote-agent: ${binary} bytes (${(binary / MIB).toFixed(2)} MiB), static, stripped; target <= 900 KiB (${(binary / 1024).toFixed(1)} KiB)`);
const rss = await peakRssInGuest('qemu-armv7');
console.log(`peak RSS in the qemu-armv7 guest, every module at 1 Hz for 30 s: VmHWM ${(rss.hwmKiB / 1024).toFixed(2)} MiB (VmRSS ${(rss.rssKiB / 1024).toFixed(2)} MiB at the end); target <= 4 MiB`);
const armel = statSync(await buildBoardAgent(findBoard('qemu-raspi0'), () => {})).size;
console.log(`armel mote-agent (qemu-raspi0: ARMv6, Thumb, soft-float ABI): ${armel} bytes (${(armel / MIB).toFixed(2)} MiB), ${((armel / binary) * 100).toFixed(0)}% of the armhf one (Thumb-2)`);
const armelRss = await peakRssInGuest('qemu-raspi0');
console.log(`peak RSS in the qemu-raspi0 guest, every module at 1 Hz for 30 s: VmHWM ${(armelRss.hwmKiB / 1024).toFixed(2)} MiB (VmRSS ${(armelRss.rssKiB / 1024).toFixed(2)} MiB at the end)`);
console.log('installed on Debian 12 armhf (Installed-Size; closure without Priority: required packages):');
for (const tool of ['bpfcc-tools', 'bpftrace']) {
  const size = installedSize(tool);
  if (!size) {
    console.log(`  ${tool.padEnd(12)} not built for armhf in this Debian release`);
    continue;
  }
  console.log(`  ${tool.padEnd(12)} package ${(size.ownKiB / 1024).toFixed(1)} MiB, with ${size.packages} packages of dependencies ${(size.closureKiB / 1024).toFixed(1)} MiB; mote-agent is ${((binary / 1024 / size.closureKiB) * 100).toFixed(2)}% of that`);
}
