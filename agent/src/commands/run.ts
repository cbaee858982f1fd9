/**
 * `mote-agent run [--config file] [flags]`: the device's main command. Loads the modules the
 * config asks for (by default every built-in one that loads on this kernel, saying why the others
 * were skipped), samples each on its interval and publishes every record as telemetry, with the
 * retained status, until SIGINT or SIGTERM: then it detaches every module, publishes `offline`
 * and exits. SIGHUP reloads the config file and applies module changes in place; SIGUSR1 logs one
 * memory line (RSS, QuickJS's heap, the C allocator: commands/memory-report.ts). After the loads
 * and after each outage's backlog drains it gives memory back (run/memory-upkeep.ts). With
 * `--ota-key`, signed module packages can be installed and removed over MQTT while it runs.
 */
import * as os from 'os';
import { builtinModules } from 'mote:builtin-modules';
import { agentFeatureCache, agentFeatureProbes } from './feature-probes.ts';
import { agentRelocationCache } from './relocation-cache.ts';
import { memoryLine, memoryReportWanted } from './memory-report.ts';
import { DEFAULT_CACHE_DIR } from '../kernel/loader/relocation-cache.ts';
import { AgentOta } from '../ota/agent-ota.ts';
import { BpfModuleLoader } from '../lifecycle/bpf-module-loader.ts';
import type { Sys } from '../sys/types.ts';
import { ignoreSigpipe, quickjsTimers, stderrLogger, sysClock } from '../telemetry/transports/quickjs-runtime.ts';
import { Agent } from '../run/agent.ts';
import { MemoryUpkeep } from '../run/memory-upkeep.ts';
import { withBpfPreflight } from '../run/bpf-preflight.ts';
import type { AgentConfig } from '../run/config.ts';
import { deviceTelemetry } from '../run/device-telemetry.ts';
import { catalogOf } from '../lifecycle/module-catalog.ts';
import { planModules, type ModulePlan } from '../run/module-plan.ts';
import { parseRunFlags, RUN_USAGE } from './run-flags.ts';
import { readConfig, restartOnly } from '../run/settings.ts';
import type { AgentCommand } from './command.ts';
import { crashPointFromEnvironment } from './crash-point.ts';
import { type RunFlags } from '../run/config-overlay.ts';

/** Linux's SIGHUP (the same number on every architecture); quickjs-libc exports no name for it. */
const SIGHUP = 1;
/** Linux's SIGUSR1 on ARM and x86 (10); quickjs-libc exports no name for it either. */
const SIGUSR1 = 10;

const log = stderrLogger;

function plan(config: AgentConfig, flags: RunFlags, ota: AgentOta): ModulePlan {
  return planModules({ config, available: ota.catalog.names(), installed: ota.installedModules(), ...(flags.only && { only: flags.only }), ...(flags.intervalMs !== undefined && { intervalMs: flags.intervalMs }) });
}

/** SIGHUP: reads the config again and applies its module changes; the rest waits for a restart. */
function reload(sys: Sys, flags: RunFlags, agent: Agent, ota: AgentOta, running: AgentConfig): AgentConfig {
  if (flags.configPath === undefined) {
    log.warn('SIGHUP: no --config file to reload; start the agent with --config to change modules at run time');
    return running;
  }
  let config: AgentConfig;
  try {
    config = readConfig(sys, flags);
  } catch (error) {
    log.warn(`SIGHUP: ${(error as Error).message}; the running modules are unchanged`);
    return running;
  }
  if (restartOnly(config) !== restartOnly(running)) {
    log.warn('SIGHUP: broker, device, TLS, MQTT, outbox and OTA settings changed; they apply when the agent restarts');
  }
  log.info(`SIGHUP: reloading modules from ${flags.configPath}`);
  agent.apply(plan(config, flags, ota));
  return config;
}

export const runCommand: AgentCommand = {
  name: 'run',
  summary: 'the agent: sample modules and publish telemetry over MQTT until SIGTERM (SIGHUP reloads)',
  run(sys, args) {
    const flags = parseRunFlags(args);
    if (flags.help) {
      print(RUN_USAGE);
      return 0;
    }
    let config = readConfig(sys, flags);
    ignoreSigpipe();
    const crashPoint = crashPointFromEnvironment(sys, log);
    const ota = new AgentOta(sys, { keyFiles: config.ota?.keys ?? [], ...(config.ota?.store !== undefined && { storeDir: config.ota.store }), ...(crashPoint && { crashPoint }) }, catalogOf(builtinModules), log);
    const { telemetry, device } = deviceTelemetry(sys, config, log, ota.onCommand);
    const cacheDir = config.cacheDir ?? DEFAULT_CACHE_DIR;
    const featureCache = agentFeatureCache(sys, cacheDir, (line) => log.warn(line));
    const features = agentFeatureProbes(sys, featureCache);
    const kernelLoader = new BpfModuleLoader(sys, features, {
      watchReadable: (fd, handler) => os.setReadHandler(fd, handler),
      afterThisTurn: (task) => os.setTimeout(task, 0),
      relocationCache: agentRelocationCache(sys, cacheDir, (line) => log.warn(line)),
      log: (line) => log.info(line),
    });
    const loader = withBpfPreflight(features, sys.geteuid(), kernelLoader);
    const agent = new Agent({ telemetry, loader, catalog: ota.catalog, timers: quickjsTimers, clock: sysClock(sys), log });
    agent.start(plan(config, flags, ota));
    featureCache.keep(features);
    if (memoryReportWanted()) {
      log.info(memoryLine(sys, 'modules loaded'));
      os.setTimeout(() => log.info(memoryLine(sys, 'kernel BTF released')), 0);
    }
    const upkeep = new MemoryUpkeep(sys, () => telemetry.counters().depth, quickjsTimers, log);
    os.setTimeout(() => upkeep.release('modules loaded'), 0);
    upkeep.start();
    ota.serve(agent.registry, telemetry, device);
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        upkeep.stop();
        log.info(`${signal}: detaching modules, publishing offline`);
        agent.stop().then(() => resolve(0), (error: unknown) => {
          log.warn(`stop: ${(error as Error).message}`);
          resolve(1);
        });
      };
      os.signal(os.SIGINT, () => stop('SIGINT'));
      os.signal(os.SIGTERM, () => stop('SIGTERM'));
      os.signal(SIGHUP, () => {
        if (!stopping) config = reload(sys, flags, agent, ota, config);
      });
      os.signal(SIGUSR1, () => log.info(memoryLine(sys, 'SIGUSR1')));
    });
  },
};
