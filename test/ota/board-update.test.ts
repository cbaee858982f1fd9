/**
 * OTA on the emulated armhf board: Debian's armhf kernel in qemu-system-arm runs the armhf agent
 * with a trusted key and a module store; a real mosquitto on the host carries one signed update
 * of syscount, which the guest verifies, stores and loads (through the minimized BTF the package
 * carries), and its telemetry switches to the new version. Before the agent starts, the guest
 * times `mote-agent ota-verify` on the same package: Ed25519 on QuickJS on an emulated
 * Cortex-A15 (an emulated board, so a bound on emulation speed, not a real board's).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyOf } from '../../agent/src/ota/ed25519.ts';
import { formatPublicKey } from '../../agent/src/ota/keys.ts';
import { encodeInstall } from '../../agent/src/ota/messages.ts';
import { guestBrokerUrl } from '../../bundler/board/guest-broker.ts';
import { exchange, type DeviceAnswer } from '../../bundler/ota/exchange.ts';
import { bootOnce, type BootResult } from '../../bundler/board/boot-once.ts';
import { Mosquitto } from '../support/mosquitto.ts';
import { Subscriber, waitUntil } from '../telemetry/harness.ts';
import { buildSyscountPackages, signedVersion } from './module-packages.ts';
import { makeKey } from './packages.ts';

const DEVICE = `ota-board-${process.pid}`;
const AGENT_SECONDS = 75;

describe('OTA on the qemu-armv7 board', () => {
  const work = mkdtempSync(join(tmpdir(), 'mote-ota-board-'));
  let broker: Mosquitto;
  let subscriber: Subscriber;
  let boot: BootResult;
  let answer: DeviceAnswer;
  let updatedAt = 0;

  beforeAll(async () => {
    broker = await Mosquitto.start();
    subscriber = await Subscriber.connect(broker.url, `mote/v1/${DEVICE}/#`);
    const key = makeKey('release');
    writeFileSync(join(work, 'release.pub'), formatPublicKey(publicKeyOf(key.secret), 'release'));
    const packageBytes = signedVersion((await buildSyscountPackages(key)).good, '2', key);
    writeFileSync(join(work, 'syscount-2.mote'), packageBytes);
    const command = [
      'echo "MOTE-VERIFY $(/bin/mote-agent ota-verify /etc/mote/syscount-2.mote --key /etc/mote/ota/release.pub --repeat 5 --json)"',
      'exec /bin/mote-agent run --config /etc/mote/config.json --ota-key /etc/mote/ota/release.pub --store /var/lib/mote/modules >/run/mote-agent.log 2>&1',
    ].join('\n');
    const booted = bootOnce(
      { broker: guestBrokerUrl(broker.url), device: DEVICE, intervalMs: 1000, modules: { syscount: {} } },
      { files: { 'etc/mote/ota/release.pub': join(work, 'release.pub'), 'etc/mote/syscount-2.mote': join(work, 'syscount-2.mote') }, command, dir: join(work, 'image') },
      { seconds: AGENT_SECONDS, limitMs: 300_000, consoleName: 'ota-board.log' },
    );
    await waitUntil('a syscount record from the board', () => subscriber.telemetry('syscount').length > 0, 200_000);
    [answer] = (await exchange({ broker: broker.url, device: DEVICE, path: 'install', payload: (id) => encodeInstall(id, packageBytes), timeoutMs: 60_000 })) as [DeviceAnswer];
    updatedAt = subscriber.messages.length;
    await waitUntil('a syscount 2 record from the board', () => subscriber.messages.slice(updatedAt).some((m) => m.envelope?.moduleVersion === '2'), 30_000);
    boot = await booted;
  }, 400_000);

  afterAll(async () => {
    await subscriber?.close();
    await broker?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('times Ed25519 verification on the emulated board', () => {
    const line = boot.console.match(/^MOTE-VERIFY (\{.*\})\r?$/m);
    expect(line, boot.console.slice(-2000)).not.toBeNull();
    const verified = JSON.parse(line![1]!) as { ok: boolean; verifyMs: number; checkMs: number; bytes: number };
    expect(verified.ok).toBe(true);
    console.log(`qemu-armv7 board: Ed25519 verification ${verified.verifyMs.toFixed(1)} ms, all package checks ${verified.checkMs.toFixed(1)} ms (${verified.bytes} bytes, median of 5)`);
  });

  it('accepts the update, stores it, and publishes the new version without a gap', () => {
    expect(answer.result).toMatchObject({ outcome: 'accepted', module: 'syscount', version: '2' });
    const versions = subscriber.messages.slice(updatedAt).flatMap((m) => (m.envelope?.module === 'syscount' ? [m.envelope.moduleVersion] : []));
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.every((v) => v === '2')).toBe(true);
    const sequences = subscriber.telemetry('syscount').map((e) => e.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    expect(boot.console).toMatch(/ota: syscount: accepted: version 2 is stored and running/);
    expect(boot.console).toMatch(/mote-init: mote-agent exited with status 0/);
  });
});
