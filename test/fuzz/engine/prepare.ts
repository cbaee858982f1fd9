/**
 * What a fuzz run needs on disk, made on demand and cached by content: the libFuzzer binding
 * (libfuzzer-binding.c, compiled with clang 19 against Node's headers and Debian's libFuzzer) and
 * each target bundled into one CommonJS file by esbuild, with the code under test instrumented
 * by istanbul (statement, branch and function counters) for the fuzzer's guidance and the
 * coverage report. Instrumented: agent/src and the two libraries that parse broker bytes for the
 * agent, mqtt-packet and cbor-x; the harness itself is not.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build, transformSync, type Plugin } from 'esbuild';
import { createInstrumenter } from 'istanbul-lib-instrument';
import { buildCacheDir, hashStrings } from '../../../bundler/build/content-cache.ts';
import { repoRoot } from '../../../bundler/paths.ts';

const BINDING_SOURCE = join(import.meta.dirname, 'libfuzzer-binding.c');
/** libFuzzer without its main(), from Debian's libclang-rt-19-dev (bundler/debian-packages.txt). */
const LIBFUZZER = '/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a';
const NODE_HEADERS = join(dirname(dirname(process.execPath)), 'include', 'node');

/** Which files get coverage counters: our code and the parsers it hands broker bytes to. */
const INSTRUMENTED = /\/(agent\/src|node_modules\/(mqtt-packet|cbor-x))\/.*\.(ts|js|mjs|cjs)$/;

export function fuzzBinding(): string {
  for (const [path, what] of [[LIBFUZZER, 'libFuzzer (run bash bundler/bootstrap.sh --only debian, which installs libclang-rt-19-dev)'], [join(NODE_HEADERS, 'node_api.h'), `Node's C headers next to ${process.execPath}`]] as const) {
    if (!existsSync(path)) throw new Error(`fuzzing needs ${what}: ${path} is missing`);
  }
  const source = readFileSync(BINDING_SOURCE, 'utf8');
  const out = join(buildCacheDir('fuzz', hashStrings(source, process.version, LIBFUZZER)), 'libfuzzer-binding.node');
  if (!existsSync(out)) {
    const temp = `${out}.${process.pid}.tmp`;
    execFileSync('clang-19', ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-I', NODE_HEADERS, '-o', temp, BINDING_SOURCE, '-Wl,--whole-archive', LIBFUZZER, '-Wl,--no-whole-archive', '-lstdc++', '-lm', '-lpthread'], { stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(temp, out);
  }
  return out;
}

function instrumenting(): Plugin {
  const instrumenter = createInstrumenter({ esModules: true, compact: true, produceSourceMap: false, coverageVariable: '__coverage__' });
  return {
    name: 'istanbul',
    setup(b) {
      b.onLoad({ filter: INSTRUMENTED }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const js = args.path.endsWith('.ts') ? transformSync(text, { loader: 'ts', format: 'esm', target: 'es2022' }).code : text;
        const file = relative(repoRoot, args.path);
        return { contents: instrumenter.instrumentSync(js, file), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** The bundle of target `name` (test/fuzz/targets/<name>.ts) with the fuzz runner as its main. */
export async function instrumentedTarget(name: string): Promise<string> {
  const target = join(import.meta.dirname, '..', 'targets', `${name}.ts`);
  if (!existsSync(target)) throw new Error(`no fuzz target '${name}': ${target} is missing`);
  const result = await build({
    stdin: {
      contents: `import { fuzz } from ${JSON.stringify(target)};\nimport { main } from ${JSON.stringify(join(import.meta.dirname, 'runner.ts'))};\nmain(${JSON.stringify(name)}, fuzz);\n`,
      resolveDir: repoRoot,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    plugins: [instrumenting()],
  });
  const code = result.outputFiles[0]!.text;
  const out = join(buildCacheDir('fuzz', 'targets'), `${name}-${hashStrings(code)}.cjs`);
  if (!existsSync(out)) writeFileSync(out, code);
  return out;
}
