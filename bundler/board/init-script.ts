/**
 * The emulated board's /init: mounts proc, sys, devtmpfs, tracefs and bpffs, loads the board's
 * network, ram disk and loop modules, brings up its network interface (QEMU user networking:
 * the host is 10.0.2.2), optionally starts the workload, then runs mote-agent with the image's
 * config. Kernel command line: `mote.seconds=N` stops the agent after N seconds (SIGTERM; on
 * a board still running the workload then, 10 s after the workload ends), logging its peak and
 * current RSS (VmHWM, VmRSS) just before,
 * `mote.workload=1` runs /etc/mote/workload.sh once the agent is up (`mote.workload=loop`:
 * every few seconds, for the live demo), and `mote.jit=0|1` sets net.core.bpf_jit_enable first
 * (0: every BPF program runs in the kernel's interpreter).
 */
export interface InitOptions {
  modules: string[];
  hostname: string;
  /** The guest's name for the network interface QEMU user networking is on. */
  interface: string;
}

export function initScript(options: InitOptions): string {
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tracefs tracefs /sys/kernel/tracing
mount -t bpf bpf /sys/fs/bpf
mkdir -p /run /tmp /var/lib/mote
for module in ${options.modules.join(' ')}; do
  insmod /lib/modules/$module.ko || echo "mote-init: insmod $module failed"
done
hostname ${options.hostname}
ip link set lo up
# A USB or PHY-attached interface may appear a moment after its module is loaded.
for i in $(seq 1 20); do [ -e /sys/class/net/${options.interface} ] && break; sleep 0.5; done
ip link set ${options.interface} up
ip addr add 10.0.2.15/24 dev ${options.interface}
ip route add default via 10.0.2.2
jit=$(sed -n 's/.*mote\\.jit=\\([01]\\).*/\\1/p' /proc/cmdline)
if [ -n "$jit" ]; then echo "$jit" > /proc/sys/net/core/bpf_jit_enable || echo "mote-init: cannot set bpf_jit_enable"; fi
echo "mote-init: bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable)"
seconds=$(sed -n 's/.*mote\\.seconds=\\([0-9]*\\).*/\\1/p' /proc/cmdline)
if [ -x /etc/mote/command.sh ]; then
  echo "mote-init: network up; running /etc/mote/command.sh"
  /etc/mote/command.sh &
else
  echo "mote-init: network up; starting mote-agent"
  /bin/mote-agent run --config /etc/mote/config.json >/run/mote-agent.log 2>&1 &
fi
agent=$!
touch /run/mote-agent.log
tail -f /run/mote-agent.log &
workload=
if grep -q 'mote.workload=1' /proc/cmdline; then /etc/mote/workload.sh once & workload=$!; fi
if grep -q 'mote.workload=loop' /proc/cmdline; then /etc/mote/workload.sh loop & fi
# A slow board may still be in the workload when the time is up: then the agent gets 10 s more after it.
if [ -n "$seconds" ]; then (
  sleep "$seconds"
  if [ -n "$workload" ] && kill -0 $workload 2>/dev/null; then while kill -0 $workload 2>/dev/null; do sleep 1; done; sleep 10; fi
  echo "mote-init: mote-agent memory $(grep -E '^(VmHWM|VmRSS)' /proc/$agent/status | tr -s ' \\t' ' ' | tr '\\n' ' ')"
  kill -TERM $agent
) & fi
wait $agent
echo "mote-init: mote-agent exited with status $?"
sync
poweroff -f
`;
}

/**
 * The end-to-end workload, known counts of each event: execs of /bin/busybox (by its full path,
 * so the shell really execs it), a TCP listen and a connect on loopback, O_DIRECT writes to a
 * loop device (request-based, so the block tracepoints see them), and pings on lo. It waits for
 * the agent's modules to be attached, and prints what it did.
 */
export function workloadScript(): string {
  return `#!/bin/sh
# Wait until the agent has loaded its modules (it logs "modules running: ..."), at most ten
# minutes: loading every module takes long under emulation on a busy host.
for i in $(seq 1 600); do grep -q "modules running" /run/mote-agent.log 2>/dev/null && break; sleep 1; done
round() {
  echo "mote-workload: start"
  for i in 1 2 3 4 5; do /bin/busybox true; done
  nc -l -p 7777 -e /bin/true &
  sleep 1
  echo hello | nc 127.0.0.1 7777
  [ -e /tmp/disk.img ] || { dd if=/dev/zero of=/tmp/disk.img bs=1M count=4 2>/dev/null; losetup /dev/loop0 /tmp/disk.img; }
  dd if=/dev/zero of=/dev/loop0 bs=4096 count=16 oflag=direct 2>/dev/null
  ping -c 5 -i 0.2 127.0.0.1 >/dev/null
  echo "mote-workload: done execs=5 listen_port=7777 connect_port=7777 block_writes=16x4096@loop0 pings=5"
}
if [ "$1" = loop ]; then while true; do round; sleep 3; done; else round; fi
`;
}
