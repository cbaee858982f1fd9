/**
 * The syscount views of `mote watch` and of `mote start`'s live dashboard: one row per process
 * and syscall, the syscall named for the architecture the device's status reported (ARM EABI
 * and x86_64 number them differently), `syscall_<n>` for numbers without a name, and a rate per
 * second for the calls and, when measured, the time spent in them per second.
 */
import { describe, expect, it } from 'vitest';
import type { Envelope, Status } from '../../../agent/src/telemetry/messages.ts';
import { Dashboard } from '../../../bundler/cli/live/dashboard.ts';
import { telemetryText } from '../../../bundler/cli/watch/render.ts';

function status(deviceId: string, machine: string): Status {
  return { schemaVersion: 1, deviceId, bootId: new Uint8Array(16), timeMs: 0, state: 'online', agentVersion: '0.1.0', release: '6.1.0', machine };
}

function syscount(deviceId: string, deltas: Array<[Array<string | number>, number]>): Envelope {
  return {
    schemaVersion: 1, deviceId, bootId: new Uint8Array(16), sequence: 7, timeMs: Date.UTC(2025, 0, 1), module: 'syscount', moduleVersion: '1',
    window: { startMs: 0, lengthMs: 2000 }, record: { kind: 'counter', deltas },
  };
}

// getppid is 110 on x86_64 and 64 on ARM EABI; 403 is ARM's clock_gettime64; 9999 is no syscall.
const ARM_DELTAS: Array<[Array<string | number>, number]> = [
  [[812, 403, 'mote-agent', 'calls'], 88], [[812, 403, 'mote-agent', 'latency_ns'], 176000],
  [[812, 64, 'mote-agent', 'calls'], 2], [[90, 9999, 'workload', 'calls'], 10],
];

describe('the syscount view', () => {
  it('in mote watch names ARM syscalls, with rates per second', () => {
    expect(telemetryText(syscount('board', ARM_DELTAS), 'armv7l').split('\n').slice(1)).toEqual([
      '  pid  syscall          comm        calls/s  latency/s',
      '  812  clock_gettime64  mote-agent     44.0    88.0 us',
      '   90  syscall_9999     workload        5.0       0 ns',
      '  812  getppid          mote-agent      1.0       0 ns',
    ]);
  });

  it('in mote watch names the same number by the x86_64 table for an x86_64 device', () => {
    expect(telemetryText(syscount('host', [[[1, 110, 'sh', 'calls'], 4]]), 'x86_64').split('\n').slice(1)).toEqual([
      '  pid  syscall  comm  calls/s',
      '    1  getppid  sh        2.0',
    ]);
  });

  it('in the live dashboard, busiest first, per device architecture', () => {
    const dashboard = new Dashboard();
    dashboard.onStatus(status('board', 'armv7l'));
    dashboard.onTelemetry(syscount('board', ARM_DELTAS));
    const lines = dashboard.render('header');
    const title = lines.findIndex((line) => line.startsWith('[syscount 1]'));
    expect(lines.slice(title, title + 5)).toEqual([
      '[syscount 1] seq 7, window 2000 ms, 1 records',
      '  pid  syscall          comm        calls/s  latency/s',
      '  812  clock_gettime64  mote-agent     44.0    88.0 us',
      '   90  syscall_9999     workload        5.0       0 ns',
      '  812  getppid          mote-agent      1.0       0 ns',
    ]);
  });
});
