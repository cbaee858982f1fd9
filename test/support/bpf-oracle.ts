/**
 * The libbpf oracle: test/conformance/oracle/libbpf-oracle.c, linked statically against Debian's
 * libbpf, built on first use and cached by a hash of its source, libbpf.a and the compiler. It
 * relocates an object against a target BTF the way libbpf does and reports the relocations (from
 * libbpf's debug log) and each program's final instructions.
 */
import { execFile } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCacheDir, hashFile, hashStrings } from '../../bundler/build/content-cache.ts';
import { repoRoot } from '../../bundler/paths.ts';
import { relocationFailures, relocationsFromLibbpfLog } from './bpf-oracle-log.ts';
import type { RelocationRecord } from './bpf-relocation-record.ts';

const run = promisify(execFile);

export const ORACLE_SOURCE = join(repoRoot, 'test', 'conformance', 'oracle', 'libbpf-oracle.c');
export const LIBBPF_ARCHIVE = '/usr/lib/x86_64-linux-gnu/libbpf.a';

export interface OracleProgram {
  name: string;
  /** The instructions libbpf handed to BPF_PROG_LOAD, as lowercase hex. */
  insns: string;
}

export interface OracleResult {
  /** libbpf accepted the object (bpf_object__load returned 0). */
  loaded: boolean;
  error: number;
  programs: OracleProgram[];
  relocations: RelocationRecord[];
  failures: string[];
  log: string;
}

let oracleBinary: Promise<string> | undefined;

export function buildOracle(): Promise<string> {
  oracleBinary ??= (async () => {
    const { stdout: gccVersion } = await run('gcc', ['--version']);
    const key = hashStrings(hashFile(ORACLE_SOURCE), hashFile(LIBBPF_ARCHIVE), gccVersion);
    const binary = join(buildCacheDir('oracle'), `libbpf-oracle.${key}`);
    if (existsSync(binary)) return binary;
    const tmp = `${binary}.${process.pid}.tmp`;
    const wraps = ['bpf_prog_load', 'bpf_prog_bind_map'].map((f) => `-Wl,--wrap=${f}`);
    try {
      await run('gcc', ['-O1', '-Wall', '-Werror', '-o', tmp, ORACLE_SOURCE, ...wraps, LIBBPF_ARCHIVE, '-lelf', '-lz']);
    } catch (err) {
      throw new Error(`cannot build the libbpf oracle (needs gcc, libbpf-dev, libelf-dev, zlib1g-dev): ${(err as { stderr?: string }).stderr ?? err}`);
    }
    renameSync(tmp, binary);
    return binary;
  })();
  return oracleBinary;
}

export async function runOracle(objectPath: string, targetBtfPath: string): Promise<OracleResult> {
  const binary = await buildOracle();
  const { stdout } = await run(binary, [objectPath, targetBtfPath], { maxBuffer: 256 << 20 });
  const raw = JSON.parse(stdout) as { loaded: boolean; error: number; programs: OracleProgram[]; log: string };
  return { ...raw, relocations: relocationsFromLibbpfLog(raw.log), failures: relocationFailures(raw.log) };
}
