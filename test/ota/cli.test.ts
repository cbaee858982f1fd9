/**
 * The host CLI's key and package commands with the device's own check: `mote keygen` writes a
 * key pair (secret 0600, never silently replaced), `mote pack` builds and signs syscount, and
 * the host mote-agent's `ota-verify` (QuickJS) accepts it with the right key only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../bundler/paths.ts';
import { runHostAgent } from '../support/agent.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'mote-ota-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function mote(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), ...args], { cwd: work });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('mote keygen, mote pack and mote-agent ota-verify', () => {
  it('writes a key pair, and will not replace it without --force', async () => {
    const made = await mote(['keygen', '--out', 'release']);
    expect(made.stdout).toMatch(/^key id [0-9a-f]{16}\n/);
    expect(statSync(join(work, 'release.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(work, 'release.pub'), 'utf8')).toMatch(/^mote-ed25519-public [0-9a-f]{64} release\n$/);
    const again = await mote(['keygen', '--out', 'release']);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/already exist; choose another --out or pass --force/) });
    expect((await mote(['keygen', '--out', 'other'])).code).toBe(0);
  });

  it('packs syscount for both architectures, and the agent accepts it with the signing key only', async () => {
    const packed = await mote(['pack', join(repoRoot, 'agent', 'modules', 'syscount'), '--key', 'release.key', '--version', '7']);
    expect(packed.stdout).toMatch(/^syscount-7\.mote: syscount 7, \d+ bytes, objects x86_64, armhf, BTFs \S+, key [0-9a-f]{16}\n$/);
    const accepted = runHostAgent(['ota-verify', join(work, 'syscount-7.mote'), '--key', join(work, 'other.pub'), '--key', join(work, 'release.pub'), '--json']);
    expect(JSON.parse(accepted.stdout)).toMatchObject({ ok: true, module: 'syscount', version: '7' });
    const refused = runHostAgent(['ota-verify', join(work, 'syscount-7.mote'), '--key', join(work, 'other.pub'), '--json']);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, reason: 'unknown-key' });
    const secretAsPublic = runHostAgent(['ota-verify', join(work, 'syscount-7.mote'), '--key', join(work, 'release.key')]);
    expect(secretAsPublic.stderr).toMatch(/the file is a secret key; make keys with 'mote keygen --out <prefix>'/);
  }, 120_000);

  it('refuses to pack a version that is no version', async () => {
    const packed = await mote(['pack', join(repoRoot, 'agent', 'modules', 'syscount'), '--key', 'release.key', '--version', 'v2']);
    expect(packed).toMatchObject({ code: 2, stderr: expect.stringMatching(/version 'v2' is not a version/) });
  });
});
