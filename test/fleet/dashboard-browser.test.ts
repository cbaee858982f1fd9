/**
 * The dashboard in headless Chromium against real parts: mosquitto, `mote serve` (as an operator
 * runs it, `node bundler/cli/mote.mjs serve`) and the host mote-agent (root, real BPF). The fleet
 * table lists the device, sorts, filters and fits a phone's width; its page draws uPlot charts whose pixels change as records arrive; an
 * OTA upload with the token gets the device's answer, and one without the token or with a wrong
 * one is refused; a server without --token-file shows the dashboard read-only; a SIGKILLed agent
 * shows offline within seconds (its Last Will). Screenshots go to build/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKey } from '../../agent/src/ota/keys.ts';
import { publicKeyOf } from '../../agent/src/ota/ed25519.ts';
import { buildDir, repoRoot } from '../../bundler/paths.ts';
import { AgentProcess } from '../agent/support.ts';
import { rootSkipReason } from '../support/agent.ts';
import { launchChromium, type HeadlessChromium } from '../support/browser.ts';
import { useMosquitto } from '../support/mosquitto.ts';
import { buildSyscountPackages, signedVersion } from '../ota/module-packages.ts';
import { makeKey } from '../ota/packages.ts';

const DEVICE = 'dash-1';
const TOKEN = 'dashboard-test-token-0123456789';
const SCREENSHOTS = join(buildDir, 'screenshots');
const broker = useMosquitto();
const skip = rootSkipReason();
const work = mkdtempSync(join(tmpdir(), 'mote-dashboard-'));
const key = makeKey('release');

/** `mote serve` as a child process, and the URL it printed. */
class ServeProcess {
  output = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(args: string[]): Promise<ServeProcess> {
    const child = spawn(process.execPath, [join(repoRoot, 'bundler', 'cli', 'mote.mjs'), 'serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mote serve printed no URL within 60 s:\n${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = output.match(/dashboard at (http:\/\/\S+?)\/?\s/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => reject(new Error(`mote serve exited (${code}):\n${output}`)));
    });
    return new ServeProcess(child, url);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

let server: ServeProcess;
let agent: AgentProcess;
let chromium: HeadlessChromium;
let page: Page;
let packagePath: string;

beforeAll(async () => {
  if (skip) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const publicKeyPath = join(work, 'release.pub');
  writeFileSync(publicKeyPath, formatPublicKey(publicKeyOf(key.secret), 'release'));
  packagePath = join(work, 'syscount-2.mote');
  writeFileSync(packagePath, signedVersion((await buildSyscountPackages(key)).good, '2', key));
  server = await ServeProcess.start(['--broker', broker().url, '--token-file', tokenFile]);
  agent = AgentProcess.run(['--broker', broker().url, '--device', DEVICE, '--modules', 'syscount,runqlat', '--interval-ms', '500', '--ota-key', publicKeyPath, '--store', join(work, 'store')]);
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
}, 300_000);

afterAll(async () => {
  await agent?.kill();
  await chromium?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const deviceRow = () => page.locator(`#fleet-table tbody tr[data-device="${DEVICE}"]`);

/** How many times the module's chart was redrawn with a fresh history. */
async function chartUpdates(module: string): Promise<number> {
  return Number(await page.locator(`.module-chart[data-module="${module}"]`).getAttribute('data-updates'));
}

describe.skipIf(skip !== null)('the dashboard in headless Chromium', () => {
  it('lists the device in the fleet table, online, with its modules and the totals', async () => {
    await page.goto(server.url);
    await expect.poll(() => deviceRow().locator('.state').textContent(), { timeout: 30_000 }).toMatch(/^online/);
    await expect.poll(() => deviceRow().locator('[data-label=Modules]').textContent(), { timeout: 30_000 }).toMatch(/^2 running/);
    expect(await page.locator('[data-total=online] dd').textContent()).toBe('1');
    await page.fill('#device-filter', 'no-such-device');
    expect(await deviceRow().count()).toBe(0);
    await page.fill('#device-filter', DEVICE);
    expect(await deviceRow().count()).toBe(1);
    await page.fill('#device-filter', '');
    const lostHeader = page.locator('#fleet-table thead th', { hasText: 'Lost records' });
    await lostHeader.locator('button').click();
    expect(await lostHeader.getAttribute('aria-sort')).toBe('ascending');
    await lostHeader.locator('button').click();
    expect(await lostHeader.getAttribute('aria-sort')).toBe('descending');
    await page.screenshot({ path: join(SCREENSHOTS, 'fleet.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'fleet-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);

  it("draws the device's charts with uPlot, and their pixels change as records arrive", async () => {
    await page.goto(`${server.url}/#/device/${DEVICE}`);
    const histogram = page.locator('.module-chart[data-module="runqlat"] .plot canvas').first();
    await histogram.waitFor({ timeout: 30_000 });
    await page.locator('.module-chart[data-module="syscount"] .plot canvas').first().waitFor({ timeout: 30_000 });
    const before = await histogram.screenshot();
    const updatesBefore = await chartUpdates('runqlat');
    await expect.poll(() => chartUpdates('runqlat'), { timeout: 10_000 }).toBeGreaterThanOrEqual(updatesBefore + 3);
    await expect.poll(async () => (await histogram.screenshot()).equals(before), { timeout: 20_000 }).toBe(false);
    expect(Number(await page.locator('.module-chart[data-module="syscount"]').getAttribute('data-points'))).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'device.png'), fullPage: true });
  }, 60_000);

  it('publishes an OTA package with the token and shows the answer; refuses it without the token or with a wrong one', async () => {
    await page.goto(`${server.url}/#/ota`);
    await page.locator(`input[name=device][value="${DEVICE}"]`).check({ timeout: 10_000 });
    await page.setInputFiles('#ota-package', packagePath);
    for (const [token, status] of [['', 401], ['wrong-token-0123456789', 401]] as const) {
      await page.fill('#ota-token', token);
      await page.click('#ota-publish');
      await expect.poll(() => page.textContent('#ota-outcome'), { timeout: 10_000 }).toContain(`Refused (${status})`);
    }
    expect(await page.locator('#ota-answers tbody tr').count()).toBe(0);
    await page.fill('#ota-token', TOKEN);
    await page.click('#ota-publish');
    await expect.poll(() => page.textContent('#ota-outcome'), { timeout: 10_000 }).toContain('Published');
    const answer = page.locator(`#ota-answers tbody tr[data-device="${DEVICE}"]`);
    await expect.poll(() => answer.textContent(), { timeout: 60_000 }).toMatch(/syscount.*accepted.*2/);
    await page.screenshot({ path: join(SCREENSHOTS, 'ota.png'), fullPage: true });
  }, 120_000);

  it('says the dashboard is read-only when mote serve has no --token-file, and the server refuses uploads', async () => {
    const readOnly = await ServeProcess.start(['--broker', broker().url]);
    try {
      const other = await chromium.context.newPage();
      await other.goto(`${readOnly.url}/#/ota`);
      await expect.poll(() => other.textContent('#ota-notice'), { timeout: 10_000 }).toContain('--token-file');
      expect(await other.isDisabled('#ota-publish')).toBe(true);
      const response = await fetch(`${readOnly.url}/api/ota?devices=${DEVICE}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: 'x' });
      expect(response.status).toBe(403);
      await other.close();
    } finally {
      await readOnly.stop();
    }
  }, 60_000);

  it('shows the device offline within seconds of a SIGKILL of its agent', async () => {
    await page.goto(server.url);
    await expect.poll(() => deviceRow().locator('.state').textContent(), { timeout: 10_000 }).toMatch(/^online/);
    const killedAt = Date.now();
    agent.signal('SIGKILL');
    await expect.poll(() => deviceRow().locator('.state').textContent(), { timeout: 15_000, interval: 100 }).toMatch(/^offline/);
    console.log(`offline on the dashboard ${Date.now() - killedAt} ms after SIGKILL`);
    expect(await page.locator('[data-total=offline] dd').textContent()).toBe('1');
  }, 30_000);
});
