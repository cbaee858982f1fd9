/**
 * `mote-agent sample`: loads the built-in modules on this kernel and prints each module's record
 * every interval as one JSON line (module, version, variant, window, record), until --seconds
 * pass or SIGINT/SIGTERM; then every module gives a last record for the rest of its window and
 * is detached. Modules that cannot run here are reported with the reason, and the rest run.
 */
import * as os from 'os';
import * as std from 'std';
import { builtinModules } from 'mote:builtin-modules';
import type { AgentCommand } from './command.ts';
import { ArgumentError, numberOption, parseAgentArgs } from './args.ts';
import { BpfModuleLoader, moduleArch } from '../lifecycle/bpf-module-loader.ts';
import type { ModuleSampleResult, ModuleSettings, ModuleSource, RunningModule } from '../lifecycle/module-types.ts';
import { parseManifest } from '../sample/decode/manifest.ts';
import { skipReason } from '../lifecycle/module-load-error.ts';
import { agentFeatureCache, agentFeatureProbes } from './feature-probes.ts';
import { agentRelocationCache } from './relocation-cache.ts';
import { memoryLine, memoryReportWanted } from './memory-report.ts';
import { withBpfPreflight } from '../run/bpf-preflight.ts';
import type { Sys } from '../sys/types.ts';
import { MoteError, isSysError } from '../errors.ts';
import { decodeUtf8 } from '../bytes/utf8.ts';

const USAGE = `usage: mote-agent sample [options]
  --modules <a,b>          only these built-in modules (default: all of ${builtinModules.map((m) => m.name).join(', ')})
  --object <file.bpf.o>    also run a module from files (with --manifest; alone unless --modules is given)
  --manifest <file.json>   that module's manifest
  --interval-ms <n>        sampling interval of every module (default: each manifest's)
  --seconds <n>            stop after this long (default: run until SIGINT or SIGTERM)
  --set <module.name=v>    set a module constant before load, e.g. syscount.target_tgid=42 (repeatable)
  --variant <module=name>  force a hook variant instead of the feature probes' choice (repeatable)
  --interface <name>       interface for socket-filter modules (default: each manifest's)
  --top <n>                entries of top-N records
  --cache-dir <dir>        keep CO-RE results and feature probe answers there and reuse them (default: none)
  --timing                 add sampleMs, the time each sample() took, to every line
  --json                   one compact JSON document per line (default: indented)`;

function log(line: string): void {
  std.err.puts(`${line}\n`);
}

function parseAssignments(values: string[], pattern: RegExp, what: string): Array<RegExpMatchArray> {
  return values.map((value) => {
    const match = value.match(pattern);
    if (!match) throw new ArgumentError(`sample: ${what}, not '${value}'`);
    return match;
  });
}

function settingsFor(names: string[], options: Record<string, string | boolean | string[]>, intervalMs: number | null, top: number | null): Map<string, ModuleSettings> {
  const settings = new Map<string, ModuleSettings>();
  const of = (module: string) => {
    let entry = settings.get(module);
    if (!entry) {
      entry = {};
      if (intervalMs !== null) entry.intervalMs = intervalMs;
      if (top !== null) entry.topN = top;
      if (typeof options.interface === 'string') entry.interface = options.interface;
      settings.set(module, entry);
    }
    return entry;
  };
  for (const name of names) of(name);
  for (const [, module, name, value] of parseAssignments((options.set as string[] | undefined) ?? [], /^([\w-]+)\.(\w+)=(.*)$/, '--set takes module.name=value')) {
    const entry = of(module);
    entry.constants = { ...entry.constants, [name]: value };
  }
  for (const [, module, variant] of parseAssignments((options.variant as string[] | undefined) ?? [], /^([\w-]+)=([\w-]+)$/, '--variant takes module=name')) of(module).variant = variant;
  return settings;
}

/** A module given as an object file and a manifest file, for this machine's architecture. */
function moduleFromFiles(sys: Sys, objectPath: string, manifestPath: string): ModuleSource {
  const manifest = decodeUtf8(sys.readFile(manifestPath));
  const { name, version } = parseManifest(manifest);
  const arch = moduleArch(sys.uname().machine);
  if (!arch) throw new ArgumentError(`sample: modules do not run on ${sys.uname().machine}`);
  return { name, version, objects: { [arch]: sys.readFile(objectPath) }, btfs: {}, manifest };
}

function describe(error: unknown): string {
  if (error instanceof MoteError || isSysError(error)) return skipReason(error);
  throw error;
}

export const sampleCommand: AgentCommand = {
  name: 'sample',
  summary: 'run the built-in modules and print their records as JSON lines',
  run(sys, args) {
    if (args.includes('--help')) {
      print(USAGE);
      return 0;
    }
    const parsed = parseAgentArgs('sample', args, {
      modules: { value: true }, 'interval-ms': { value: true }, seconds: { value: true }, set: { value: true, repeat: true },
      variant: { value: true, repeat: true }, interface: { value: true }, top: { value: true }, timing: {}, json: {}, object: { value: true }, manifest: { value: true }, 'cache-dir': { value: true },
    });
    if (parsed.positionals.length) throw new ArgumentError(`sample: unexpected '${parsed.positionals[0]}'\n${USAGE}`);
    if ((typeof parsed.options.object === 'string') !== (typeof parsed.options.manifest === 'string')) throw new ArgumentError('sample: --object and --manifest go together');
    const fromFiles = typeof parsed.options.object === 'string' ? [moduleFromFiles(sys, parsed.options.object, parsed.options.manifest as string)] : [];
    const byDefault = fromFiles.length ? [] : builtinModules.map((m) => m.name);
    const wanted = typeof parsed.options.modules === 'string' ? parsed.options.modules.split(',').filter(Boolean) : byDefault;
    const unknown = wanted.filter((name) => !builtinModules.some((m) => m.name === name));
    if (unknown.length) throw new ArgumentError(`sample: no built-in module ${unknown.join(', ')}; there are ${builtinModules.map((m) => m.name).join(', ')}`);
    const intervalMs = parsed.options['interval-ms'] === undefined ? null : numberOption('sample', parsed, 'interval-ms', 0);
    const top = parsed.options.top === undefined ? null : numberOption('sample', parsed, 'top', 10);
    const seconds = parsed.options.seconds === undefined ? null : numberOption('sample', parsed, 'seconds', 0);
    // Flushed per line: a reader sees each record as its interval ends.
    const emit = (value: unknown) => {
      std.out.puts(`${parsed.options.json ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`);
      std.out.flush();
    };

    const cacheDir = parsed.options['cache-dir'];
    const featureCache = typeof cacheDir === 'string' ? agentFeatureCache(sys, cacheDir, log) : null;
    const features = agentFeatureProbes(sys, featureCache);
    const kernelLoader = new BpfModuleLoader(sys, features, {
      watchReadable: (fd, handler) => os.setReadHandler(fd, handler),
      afterThisTurn: (task) => os.setTimeout(task, 0),
      relocationCache: typeof cacheDir === 'string' ? agentRelocationCache(sys, cacheDir, log) : null,
      log,
    });
    const loader = withBpfPreflight(features, sys.geteuid(), kernelLoader);
    const running: RunningModule[] = [];
    const sources = [...builtinModules.filter((m) => wanted.includes(m.name)), ...fromFiles];
    const settings = settingsFor(sources.map((m) => m.name), parsed.options, intervalMs, top);
    for (const source of sources) {
      try {
        running.push(loader.load(source, settings.get(source.name) ?? {}));
      } catch (error) {
        const reason = describe(error);
        log(`mote-agent sample: module '${source.name}' skipped: ${reason}`);
        emit({ module: source.name, version: source.version, skipped: reason });
      }
    }
    log(`mote-agent sample: ${running.length} of ${sources.length} modules running${running.length ? ` (${running.map((m) => `${m.name}: ${m.variant}`).join(', ')})` : ''}`);
    featureCache?.keep(features);
    if (running.length === 0) return 1;
    if (memoryReportWanted()) {
      log(memoryLine(sys, 'modules loaded'));
      os.setTimeout(() => log(memoryLine(sys, 'kernel BTF released')), 0);
    }

    const report = (module: RunningModule, result: ModuleSampleResult | null, sampleMs: number) => {
      if (!result) return;
      emit({ module: module.name, version: module.version, variant: module.variant, window: result.window, record: result.record, ...(parsed.options.timing ? { sampleMs } : {}) });
    };
    const sampleOne = (module: RunningModule) => {
      try {
        const started = sys.monotonicNs();
        const result = module.sample();
        report(module, result, Number(sys.monotonicNs() - started) / 1e6);
      } catch (error) {
        log(`mote-agent sample: module '${module.name}': ${describe(error)}`);
      }
    };
    return new Promise<number>((resolve) => {
      let finished = false;
      const timers = new Map<RunningModule, ReturnType<typeof os.setTimeout>>();
      const schedule = (module: RunningModule) => {
        timers.set(module, os.setTimeout(() => {
          if (finished) return;
          sampleOne(module);
          schedule(module);
        }, module.intervalMs));
      };
      const finish = () => {
        if (finished) return;
        finished = true;
        os.signal(os.SIGINT, null);
        os.signal(os.SIGTERM, null);
        for (const timer of timers.values()) os.clearTimeout(timer);
        for (const module of running) {
          sampleOne(module);
          module.close();
        }
        resolve(0);
      };
      for (const module of running) schedule(module);
      os.signal(os.SIGINT, finish);
      os.signal(os.SIGTERM, finish);
      log('mote-agent sample: sampling');
      if (seconds !== null) os.setTimeout(finish, seconds * 1000);
    });
  },
};
