/**
 * `mote-agent ota-verify <package> --key <file.pub>`: the checks a device makes before it
 * stores a package (size, canonical form, signature, agent version, architecture, kernel),
 * without a broker or a store, and the time Ed25519 verification takes on this machine.
 */
import type { AgentCommand } from './command.ts';
import type { Sys } from '../sys/types.ts';
import { ArgumentError, numberOption, parseAgentArgs } from './args.ts';
import { deviceFacts, readTrustedKeys } from '../ota/device.ts';
import { keyIdHex } from '../ota/keys.ts';
import { parsePackage } from '../ota/package.ts';
import { OtaRejection } from '../ota/rejection.ts';
import { checkSignature } from '../ota/signature.ts';
import { verifyPackage } from '../ota/verify.ts';

const USAGE = `usage: mote-agent ota-verify <package.mote> --key <file.pub> [--key ...] [--repeat N]
  --key <file>   a trusted public key (repeatable)
  --repeat <n>   run the checks n times and print the median times (default 1)
  --json         print the result as one JSON document`;

/** Milliseconds each of `count` runs of `work` took. */
function timed(sys: Sys, count: number, work: () => unknown): number[] {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = sys.monotonicNs();
    work();
    times.push(Number(sys.monotonicNs() - start) / 1e6);
  }
  return times;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export const otaVerifyCommand: AgentCommand = {
  name: 'ota-verify',
  summary: 'check a module package as a device would, and time its signature check',
  run(sys, args) {
    const parsed = parseAgentArgs('ota-verify', args, { key: { value: true, repeat: true }, repeat: { value: true }, json: {}, help: {} });
    if (parsed.options.help) {
      print(USAGE);
      return 0;
    }
    const [path] = parsed.positionals;
    const keyPaths = (parsed.options.key as string[] | undefined) ?? [];
    if (parsed.positionals.length !== 1 || path === undefined || keyPaths.length === 0) throw new ArgumentError(`ota-verify: give one package and at least one --key\n${USAGE}`);
    const repeat = Math.max(1, Math.floor(numberOption('ota-verify', parsed, 'repeat', 1)));
    const keys = readTrustedKeys(sys, keyPaths);
    const bytes = sys.readFile(path);
    try {
      const facts = { ...deviceFacts(sys, keys), versionFloor: () => undefined };
      const { module, signedBy } = verifyPackage(bytes, facts);
      const parsedPackage = parsePackage(bytes);
      const checkMs = median(timed(sys, repeat, () => verifyPackage(bytes, facts)));
      const verifyMs = median(timed(sys, repeat, () => checkSignature(parsedPackage, keys)));
      const result = { ok: true, module: module.name, version: module.version, keyId: keyIdHex(signedBy.keyId), bytes: bytes.length, verifyMs, checkMs, repeat };
      print(
        parsed.options.json
          ? JSON.stringify(result)
          : `ok: ${module.name} ${module.version}, ${bytes.length} bytes, signed by ${result.keyId} (${signedBy.source}); ` +
              `Ed25519 ${verifyMs.toFixed(2)} ms, all checks ${checkMs.toFixed(2)} ms (medians of ${repeat})`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof OtaRejection)) throw error;
      print(parsed.options.json ? JSON.stringify({ ok: false, reason: error.reason, message: error.message }) : `rejected (${error.reason}): ${error.message}`);
      return 1;
    }
  },
};
