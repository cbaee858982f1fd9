/**
 * Builds the mote-agent binaries: esbuild bundles agent/src/main.ts once per target (each with
 * only its own architecture's module objects, linked as C arrays rather than inlined), the
 * host qjsc compiles each bundle to bytecode (the format is portable: compiled on x86_64, it
 * runs on armhf), and native-arm/Makefile links bytecode, assets, binding and QuickJS into
 * static binaries for the host and for armhf. It also writes the syscall name tables the host's
 * views use (bundler/build/syscall-tables.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { replaceIfChanged } from './replace-if-changed.ts';
import { join } from 'node:path';
import { build } from 'esbuild';
import { MoteError } from '../../agent/src/errors.ts';
import { QUICKJS_MQTT_SHIMS } from './quickjs-shims.ts';
import { withBuildLock } from './build-lock.ts';
import { AssetCollector, cArrayLines, type AgentTarget } from './agent-assets.ts';
import { compressBlock } from './lz-block.ts';
import { buildModules, GENERATED_MODULES } from './modules.ts';
import { writeSyscallTables } from './syscall-tables.ts';
import { agentBinary, buildDir, mbedtlsBuild, mbedtlsSource, quickjsBuild, quickjsSource, repoRoot } from '../paths.ts';

export class BuildError extends MoteError {}

const RUNTIME_MODULES = ['std', 'os', 'mote:sys'];

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
}

function run(step: string, file: string, args: string[], hint: string): string {
  try {
    return execFileSync(file, args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch {
    throw new BuildError(`${step}: '${file} ${args.join(' ')}' failed; ${hint}`);
  }
}

/** The folders whose code decides what CO-RE produces: a relocation cached by another build of them is not reused. */
const RELOCATING_SOURCES = ['abi', 'bytes', 'elf', 'btf', 'object', join('kernel', 'loader')];

/** A digest of the relocating sources, `__MOTE_BUILD__` in the bundle. */
export function relocationBuildId(): string {
  const hash = createHash('sha256');
  for (const folder of RELOCATING_SOURCES) {
    const dir = join(repoRoot, 'agent', 'src', folder);
    for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).sort()) {
      hash.update(`${folder}/${entry}\0`).update(readFileSync(join(dir, entry)));
    }
  }
  return hash.digest('hex').slice(0, 12);
}

const SETUP_HINT = "run 'npm run setup' to bootstrap QuickJS, then build again";

/**
 * esbuild: one ES module for QuickJS per target, runtime modules left as imports, binary
 * assets collected for the target's C asset table. Returns the bundle's path.
 */
export async function bundleAgent(target: AgentTarget): Promise<string> {
  const outfile = join(buildDir, target, 'agent.js');
  const assets = new AssetCollector(target);
  await build({
    entryPoints: [join(repoRoot, 'agent', 'src', 'main.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    external: RUNTIME_MODULES,
    alias: { 'mote:builtin-modules': GENERATED_MODULES },
    define: { __MOTE_VERSION__: JSON.stringify(packageVersion()), __MOTE_BUILD__: JSON.stringify(relocationBuildId()) },
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [QUICKJS_MQTT_SHIMS, assets.plugin()],
  });
  assets.writeC(join(buildDir, target, 'agent_assets.c'));
  return outfile;
}

function makeArgs(out = buildDir): string[] {
  return ['--no-print-directory', '-s', '-C', join(repoRoot, 'native-arm'), `QUICKJS_SRC=${quickjsSource}`, `QUICKJS_OUT=${quickjsBuild}`, `MBEDTLS_SRC=${mbedtlsSource}`, `MBEDTLS_OUT=${mbedtlsBuild}`, `OUT=${out}`];
}

/** The bytes of the C array qjsc writes (`-c`): its `0x..` numbers after the `= {`. */
function bytecodeOfQjscOutput(cSource: string): Uint8Array {
  const body = cSource.slice(cSource.indexOf('= {'));
  return Uint8Array.from(body.match(/0x[0-9a-f]{2}/g) ?? [], (hex) => parseInt(hex, 16));
}

/**
 * qjsc: a target's bundle to QuickJS bytecode (debug info stripped), compressed
 * (lz-block.ts) into a C array next to it: `mote_agent_bytecode`, its packed and its
 * decompressed size, which native-arm/main.c decompresses before it runs it.
 */
export function compileBytecode(bundle: string): string {
  const qjsc = run('locate qjsc', 'make', [...makeArgs(), 'print-qjsc'], SETUP_HINT).trim();
  if (!existsSync(qjsc)) throw new BuildError(`qjsc not found at ${qjsc}; run 'npm run setup' to build QuickJS`);
  const output = join(bundle, '..', 'agent_bytecode.c');
  const qjscOutput = `${output}.qjsc`;
  run('qjsc', qjsc, ['-c', '-m', '-s', ...RUNTIME_MODULES.flatMap((m) => ['-M', m]), '-N', 'mote_agent_bytecode', '-o', qjscOutput, bundle], 'the message above names the JavaScript qjsc could not compile');
  const bytecode = bytecodeOfQjscOutput(readFileSync(qjscOutput, 'utf8'));
  rmSync(qjscOutput);
  if (bytecode.length === 0) throw new BuildError(`qjsc wrote no bytecode for ${bundle}`);
  const packed = compressBlock(bytecode);
  writeFileSync(`${output}.new`, [
    '/* Generated by bundler/build/agent.ts: the agent\'s QuickJS bytecode, compressed (bundler/build/lz-block.ts). */',
    '#include <stdint.h>',
    '',
    `const uint32_t mote_agent_bytecode_size = ${bytecode.length};`,
    `const uint32_t mote_agent_bytecode_packed_size = ${packed.length};`,
    `const uint8_t mote_agent_bytecode[${packed.length}] = {`,
    ...cArrayLines(packed),
    '};',
    '',
  ].join('\n'));
  replaceIfChanged(`${output}.new`, output);
  return output;
}

export async function buildAgent(log: (line: string) => void = console.log): Promise<typeof agentBinary> {
  mkdirSync(buildDir, { recursive: true });
  return withBuildLock(buildDir, async () => {
    await buildModules(log);
    writeSyscallTables(log);
    for (const target of ['host', 'armhf'] as const) {
      log(`[build] bundling agent/src/main.ts for ${target} with esbuild, and compiling it to QuickJS bytecode`);
      mkdirSync(join(buildDir, target), { recursive: true });
      compileBytecode(await bundleAgent(target));
    }
    log('[build] linking mote-agent for host and armhf');
    run('link', 'make', [...makeArgs(), 'agent'], 'the compiler error above names the file and line');
    log(`[build] ${agentBinary.host}\n[build] ${agentBinary.armhf}`);
    return agentBinary;
  }, log);
}

/**
 * The agent for one board, compiled with the board's CPU flags (QuickJS and mbedTLS too, cached
 * per flags) from the armhf bundle: build/boards/<board>/<arch>/mote-agent. An armel board
 * (ARMv5/ARMv6) links the same bytecode and assets (the bytecode is portable, and its BPF
 * objects are the 32-bit ARM ones) with Debian's armel toolchain and musl, soft-float ABI.
 */
export interface BoardTarget {
  name: string;
  arch: 'armhf' | 'armel';
  /** `thumb`: an armel board's code in Thumb (Thumb-1 on ARMv5TE and ARMv6), not ARM; armhf is always Thumb-2. */
  compiler: { cpuFlags: string[]; floatAbi: string; thumb: boolean };
}

export async function buildBoardAgent(board: BoardTarget, log: (line: string) => void = console.log): Promise<string> {
  await buildAgent(log);
  const out = join(buildDir, 'boards', board.name);
  const { arch } = board;
  const flags = board.compiler.cpuFlags.join(' ');
  return withBuildLock(buildDir, async () => {
    mkdirSync(join(out, arch), { recursive: true });
    for (const generated of ['agent_bytecode.c', 'agent_assets.c']) {
      copyFileSync(join(buildDir, 'armhf', generated), join(out, arch, `${generated}.new`));
      replaceIfChanged(join(out, arch, `${generated}.new`), join(out, arch, generated));
    }
    log(`[build] linking mote-agent for ${board.name} (${arch}, ${arch === 'armel' && board.compiler.thumb ? 'Thumb, ' : ''}${flags})`);
    const variables = arch === 'armhf' ? [`ARMHF_CPU_FLAGS=${flags}`] : [`ARMEL_CPU_FLAGS=${flags}`, `ARMEL_FLOAT_ABI=${board.compiler.floatAbi}`, `ARMEL_ISA=${board.compiler.thumb ? '-mthumb' : '-marm'}`];
    run('link', 'make', [...makeArgs(out), ...variables, `${arch}-agent`], 'the compiler error above names the file and line');
    return join(out, arch, 'mote-agent');
  }, log);
}
