/** One record of each kind, shaped like what the sampler's modules emit. */
import type { Envelope, TelemetryRecord } from '../../agent/src/telemetry/records.ts';

export const syscountRecord: TelemetryRecord = {
  kind: 'counter',
  deltas: [
    ['read', 1843],
    ['write', 977],
    ['openat', 112],
    ['close', 108],
    ['futex', 64],
    ['epoll_wait', 51],
    ['clock_nanosleep', 20],
    ['mmap', 9],
  ],
};

export const gaugeRecord: TelemetryRecord = { kind: 'gauge', values: [['mem_free_kb', 18432], ['load1', 0.42], [['cpu', 0], 37]] };

export const latencyRecord: TelemetryRecord = {
  kind: 'histogram',
  unit: 'us',
  buckets: [0, 0, 0, 4, 19, 88, 240, 512, 301, 97, 22, 6, 1],
};

export const perDiskRecord: TelemetryRecord = {
  kind: 'histogram',
  unit: 'us',
  series: [
    ['mmcblk0', [0, 0, 0, 0, 3, 9, 14, 2]],
    ['sda', [0, 0, 0, 0, 0, 0, 1, 5, 8, 1]],
  ],
};

export const topRecord: TelemetryRecord = {
  kind: 'top',
  entries: [
    [[412, 'mote-agent'], 5120],
    [[1, 'init'], 730],
    [[988, 'dropbear'], 211],
  ],
  other: 96,
};

export const execRecord: TelemetryRecord = {
  kind: 'events',
  fields: ['pid', 'ppid', 'comm', 'filename'],
  rows: [
    { offsetUs: 1520, values: [2231, 1, 'sh', '/bin/sh'] },
    { offsetUs: 48200, values: [2232, 2231, 'busybox', '/bin/busybox'] },
    { offsetUs: 731004, values: [2233, 2231, 'ip', '/sbin/ip'] },
  ],
  dropped: 2,
};

export const allRecords: Array<[string, TelemetryRecord]> = [
  ['syscount', syscountRecord],
  ['meminfo', gaugeRecord],
  ['runqlat', latencyRecord],
  ['biolatency', perDiskRecord],
  ['cputop', topRecord],
  ['execsnoop', execRecord],
];

export const BOOT_ID = Uint8Array.from([0x3f, 0x1c, 0x8e, 0x02, 0x9b, 0x44, 0x4a, 0x61, 0xa0, 0x5d, 0x17, 0xc2, 0x6e, 0x90, 0x0b, 0xd4]);

export function envelopeOf(module: string, record: TelemetryRecord, sequence = 41): Envelope {
  return {
    schemaVersion: 1,
    deviceId: 'gw-0042',
    bootId: BOOT_ID,
    sequence,
    timeMs: 1767225600000,
    module,
    moduleVersion: '1.2.0',
    window: { startMs: 5_400_000, lengthMs: 1000 },
    record,
  };
}
