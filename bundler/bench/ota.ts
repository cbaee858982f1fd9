/**
 * OTA benchmark: how long a device takes to check a module package, Ed25519 signature alone and
 * all checks (size, canonical re-encoding, signature, versions, arch, kernel), on QuickJS: the
 * host mote-agent, and the armhf one under qemu-arm (user-mode emulation on this host: the
 * cost under emulation, not on a board).
 * Measured in the same run against OpenSSL's Ed25519 (node:crypto), the same library on V8, and
 * Debian's libsodium in C on the same qemu-arm (ota-reference.ts), with what each costs the
 * armhf binary: libsodium's verification linked static, against the compressed bytecode of the
 * agent's Ed25519 and SHA-512 (agent/src/ota/ed25519.ts), which it would replace.
 * Run with `mote bench ota`.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyOf, randomSecretKey } from '../../agent/src/ota/ed25519.ts';
import { formatPublicKey, parsePublicKey } from '../../agent/src/ota/keys.ts';
import { parsePackage } from '../../agent/src/ota/package.ts';
import { checkSignature } from '../../agent/src/ota/signature.ts';
import { packModule } from '../ota/pack.ts';
import { agentBinary, repoRoot } from '../paths.ts';
import { compileBytecode } from '../build/agent.ts';
import { bundleForQuickJs } from '../build/quickjs-bundle.ts';
import { buildEd25519Reference } from './ota-reference.ts';

const SIGNING_PREFIX = Buffer.from('mote-package-v1\u0000', 'latin1');

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function timedMs(rounds: number, work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

interface AgentTimes {
  verifyMs: number;
  checkMs: number;
}

function agentTimes(command: string[], repeat: number): AgentTimes {
  const run = spawnSync(command[0]!, [...command.slice(1), '--repeat', String(repeat), '--json'], { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) throw new Error(`${command.join(' ')} failed (${run.status}): ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as AgentTimes;
}

const dir = mkdtempSync(join(tmpdir(), 'mote-bench-ota-'));
try {
  const secret = randomSecretKey();
  const publicKey = publicKeyOf(secret);
  const pubPath = join(dir, 'bench.pub');
  writeFileSync(pubPath, formatPublicKey(publicKey, 'bench'));
  const { bytes } = await packModule({ moduleDir: join(repoRoot, 'agent', 'modules', 'syscount'), secretKey: secret, version: '2', minAgentVersion: '0.1.0', log: () => {} });
  const packagePath = join(dir, 'syscount-2.mote');
  writeFileSync(packagePath, bytes);

  const parsed = parsePackage(bytes);
  const trusted = [parsePublicKey(formatPublicKey(publicKey, 'bench'), 'bench')];
  const v8Ms = timedMs(51, () => checkSignature(parsed, trusted));
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') };
  const nodeKey = createPublicKey({ key: jwk, format: 'jwk' });
  const message = Buffer.concat([SIGNING_PREFIX, parsed.body]);
  const openSslMs = timedMs(501, () => verify(null, message, nodeKey, parsed.signature.signature));

  const host = agentTimes([agentBinary.host, 'ota-verify', packagePath, '--key', pubPath], 21);
  const armhf = agentTimes(['qemu-arm', agentBinary.armhf, 'ota-verify', packagePath, '--key', pubPath], 7);
  const sodium = await buildEd25519Reference();
  const sodiumRun = spawnSync('qemu-arm', [sodium.binary, String(message.length), '21'], { encoding: 'utf8' });
  if (sodiumRun.status !== 0) throw new Error(`${sodium.binary} failed: ${sodiumRun.stderr}`);
  const sodiumMs = (JSON.parse(sodiumRun.stdout) as { verifyMs: number }).verifyMs;

  // The agent's Ed25519 as it is linked: bundled, compiled and compressed like the agent's bytecode.
  const jsEd25519 = await bundleForQuickJs('ed25519', "export { verifyEd25519, keyIdOf } from './agent/src/ota/ed25519.ts';", repoRoot, 'agent');
  writeFileSync(join(dir, 'ed25519.js'), jsEd25519.code);
  const jsBytecode = readFileSync(compileBytecode(join(dir, 'ed25519.js')), 'utf8');
  const packedBytes = Number(/mote_agent_bytecode_packed_size = (\d+)/.exec(jsBytecode)![1]);

  console.log(`package: syscount, ${bytes.length} bytes (objects for x86_64 and armhf, one armhf BTF)`);
  console.log(`${'where'.padEnd(36)} ${'Ed25519 ms'.padStart(11)} ${'all checks ms'.padStart(14)} ${'x OpenSSL'.padStart(10)}`);
  const row = (where: string, verifyMs: number, checkMs: number | undefined) =>
    console.log(`${where.padEnd(36)} ${verifyMs.toFixed(3).padStart(11)} ${(checkMs === undefined ? '-' : checkMs.toFixed(3)).padStart(14)} ${(verifyMs / openSslMs).toFixed(0).padStart(10)}`);
  row('OpenSSL (node:crypto), host', openSslMs, undefined);
  row('@noble/ed25519 on V8 (Node), host', v8Ms, undefined);
  row('mote-agent on QuickJS, host x86_64', host.verifyMs, host.checkMs);
  row('mote-agent on QuickJS, armhf qemu-arm', armhf.verifyMs, armhf.checkMs);
  row('libsodium (C), armhf qemu-arm', sodiumMs, undefined);
  console.log(`on armhf (qemu-arm): QuickJS / libsodium ${(armhf.verifyMs / sodiumMs).toFixed(0)}x for the signature`);
  console.log(`armhf binary: libsodium's verification linked static adds ${sodium.linkedBytes} bytes (${sodium.versions.join(', ')}); the agent's Ed25519 and SHA-512 it would replace are ${packedBytes} bytes of compressed bytecode: net ${sodium.linkedBytes - packedBytes > 0 ? '+' : ''}${sodium.linkedBytes - packedBytes} bytes`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
