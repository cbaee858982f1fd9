/**
 * `mote-agent run [--config file] [flags]`: the device's main command. Loads the modules the
 * config asks for (by default every built-in one that loads on this kernel, saying why the others
 * were skipped), samples each on its interval and publishes every record as telemetry, with the
 * retained status, until SIGINT or SIGTERM: then it detaches every module, publishes `offline`
 * and exits. SIGHUP reloads the config file and applies module changes in place.
 */
import * as os from 'os';
import type { ModuleLoader } from '../sample/module-types.ts';
import type { Sys } from '../sys/types.ts';
import { randomBytes } from '../sys/random-bytes.ts';
import { Outbox } from '../telemetry/outbox.ts';
import { PersistentOutbox } from '../telemetry/persistent-outbox.ts';
import { Telemetry } from '../telemetry/telemetry.ts';
import { ignoreSigpipe, mathRandom, quickjsReadiness, quickjsTimers, stderrLogger, sysClock } from '../telemetry/transports/quickjs-runtime.ts';
import { SocketTransport } from '../telemetry/transports/socket-transport.ts';
import { AGENT_VERSION } from '../version.ts';
import { Agent, type ModuleCatalog } from '../run/agent.ts';
import type { AgentConfig } from '../run/config.ts';
import { planModules, type ModulePlan } from '../run/module-plan.ts';
import { outboxFile } from '../run/outbox-file.ts';
import { parseRunFlags, RUN_USAGE, type RunFlags } from '../run/run-flags.ts';
import { connectionSettings, DEFAULT_OUTBOX_CAPACITY, DEFAULT_STATUS_INTERVAL_MS, readConfig, restartOnly } from '../run/settings.ts';
import type { AgentCommand } from './command.ts';

/** Linux's SIGHUP (the same number on every architecture); quickjs-libc exports no name for it. */
const SIGHUP = 1;

const log = stderrLogger;

function plan(config: AgentConfig, flags: RunFlags, catalog: ModuleCatalog): ModulePlan {
  return planModules({ config, available: catalog.names(), ...(flags.only && { only: flags.only }), ...(flags.intervalMs !== undefined && { intervalMs: flags.intervalMs }) });
}

function startAgent(sys: Sys, config: AgentConfig, flags: RunFlags, loader: ModuleLoader, catalog: ModuleCatalog): Agent {
  const { broker, tls, device } = connectionSettings(sys, config);
  const capacity = config.outbox?.capacity ?? DEFAULT_OUTBOX_CAPACITY;
  const file = config.outbox?.file;
  const outbox = file === undefined ? new Outbox(capacity) : new PersistentOutbox(capacity, outboxFile(sys, file, log), log);
  const { release, machine } = sys.uname();
  const telemetry = new Telemetry({
    deviceId: device, bootId: randomBytes(sys, 16), agentVersion: AGENT_VERSION, release, machine,
    transport: new SocketTransport({ sys, readiness: quickjsReadiness, timers: quickjsTimers }, broker.host, broker.port, tls),
    outbox, timers: quickjsTimers, clock: sysClock(sys), random: mathRandom, log,
    qos: config.qos ?? 1,
    protocolVersion: config.protocolVersion ?? 4,
    statusIntervalMs: config.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    ...(config.keepaliveSeconds !== undefined && { keepaliveSeconds: config.keepaliveSeconds }),
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(outbox instanceof PersistentOutbox && { onPeriodic: () => outbox.persist() }),
  });
  log.info(`run: device '${device}', broker ${broker.url}, outbox ${capacity}${file ? ` (file ${file})` : ''}`);
  const agent = new Agent({ telemetry, loader, catalog, timers: quickjsTimers, clock: sysClock(sys), log });
  agent.start(plan(config, flags, catalog));
  return agent;
}

/** SIGHUP: reads the config again and applies its module changes; the rest waits for a restart. */
function reload(sys: Sys, flags: RunFlags, agent: Agent, catalog: ModuleCatalog, running: AgentConfig): AgentConfig {
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
    log.warn('SIGHUP: broker, device, TLS, MQTT and outbox settings changed; they apply when the agent restarts');
  }
  log.info(`SIGHUP: reloading modules from ${flags.configPath}`);
  agent.apply(plan(config, flags, catalog));
  return config;
}

/** The run command, with the module loader and the catalog of modules it may load. */
export function runCommand(loader: ModuleLoader, catalog: ModuleCatalog): AgentCommand {
  return {
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
      const agent = startAgent(sys, config, flags, loader, catalog);
      return new Promise<number>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info(`${signal}: detaching modules, publishing offline`);
          agent.stop().then(() => resolve(0), (error: unknown) => {
            log.warn(`stop: ${(error as Error).message}`);
            resolve(1);
          });
        };
        os.signal(os.SIGINT, () => stop('SIGINT'));
        os.signal(os.SIGTERM, () => stop('SIGTERM'));
        os.signal(SIGHUP, () => {
          if (!stopping) config = reload(sys, flags, agent, catalog, config);
        });
      });
    },
  };
}
