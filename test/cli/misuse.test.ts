/**
 * Every `mote` command treats misuse alike: an unknown flag, a missing argument, a bad broker
 * URL or a missing file ends in ONE line on stderr naming the problem, nothing on stdout, and
 * exit code 2, before any long work starts. An unexpected failure is one line that points at
 * --debug, which shows the trace. The table must have rows for every registered command.
 *
 * The rows marked `spawn: true` and the unexpected failure run the
 * real `node bundler/cli/mote.mjs`, side by side; the other rows call main() in this process
 * with the console captured (mote.mjs adds nothing to a refusal: main() prints it).
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../bundler/cli/commands/index.ts';
import { main } from '../../bundler/cli/main.ts';
import { repoRoot } from '../../bundler/paths.ts';

type Misuse = 'unknown flag' | 'missing argument' | 'bad URL' | 'missing file' | 'bad value' | 'unexpected argument' | 'conflicting options';

interface Row {
  misuse: Misuse;
  args: string[];
  /** What the one stderr line must say. */
  says: RegExp;
  /** Run as a real process rather than through main(). */
  spawn?: true;
}

const MOTE = join(repoRoot, 'bundler', 'cli', 'mote.mjs');
const MISSING = join(tmpdir(), 'mote-misuse-no-such-folder');
const SYSCOUNT = join(repoRoot, 'agent', 'modules', 'syscount');
const A_FILE = join(repoRoot, 'package.json');
const BAD_URL = /broker '(http|ftp):\/\/x' is not a broker URL: write mqtt:\/\/host\[:port\] or mqtts:\/\/host\[:port\]/;
const unknownFlag = (...before: string[]): Row => ({ misuse: 'unknown flag', args: [...before, '--bogus'], says: /unknown option '--bogus'/ });

const table: Record<string, Row[]> = {
  bench: [unknownFlag(), { misuse: 'unexpected argument', args: ['no-such-bench'], says: /unknown benchmark no-such-bench; known: / }],
  btf: [
    unknownFlag(),
    { misuse: 'unexpected argument', args: ['extra'], says: /unexpected argument 'extra'/ },
    { misuse: 'bad value', args: ['--suite', 'sid'], says: /--suite 'sid' is not one of bullseye, bookworm, trixie/ },
  ],
  build: [
    unknownFlag('--board', 'qemu-armv7'),
    { misuse: 'missing argument', args: [], says: /missing --board <name>/ },
    { misuse: 'bad value', args: ['--board', 'no-such-board'], says: /--board 'no-such-board' is not one of .*qemu-armv7/ },
    { misuse: 'bad URL', args: ['--board', 'qemu-armv7', '--broker', 'http://x'], says: BAD_URL },
    { misuse: 'bad value', args: ['--board', 'qemu-armv7', '--interval-ms', '10'], says: /--interval-ms '10' is not an integer of at least 100/ },
  ],
  'build-agent': [unknownFlag(), { misuse: 'unexpected argument', args: ['extra'], says: /unexpected argument 'extra'/ }],
  'fleet-sim': [
    unknownFlag(),
    { misuse: 'bad URL', args: ['--broker', 'mqtt://127.0.0.1:1883,http://x'], says: BAD_URL },
    { misuse: 'bad URL', args: ['--broker', 'mqtts://x'], says: /broker 'mqtts:\/\/x' is TLS; the simulator speaks plain MQTT; give the broker's mqtt:\/\/ listener/ },
    { misuse: 'bad value', args: ['--devices', '0'], says: /--devices '0' is not an integer of at least 1/ },
    { misuse: 'bad value', args: ['--rate', 'fast'], says: /--rate 'fast' is not a positive number per second/, spawn: true },
    { misuse: 'bad value', args: ['--disconnect-rate=-1'], says: /--disconnect-rate '-1' is not a non-negative number per second/ },
    { misuse: 'bad value', args: ['--reboot-rate', 'often'], says: /--reboot-rate 'often' is not a non-negative number per second/ },
    { misuse: 'bad value', args: ['--seconds', '0'], says: /--seconds '0' is not a positive number of seconds/ },
    { misuse: 'bad value', args: ['--device-prefix', 'a/b'], says: /--device-prefix 'a\/b' must be non-empty, without '\/', '\+' or '#'/ },
    { misuse: 'missing file', args: ['--corpus', join(MISSING, 'corpus.cbor')], says: /--corpus '.*corpus\.cbor' does not exist/ },
    { misuse: 'unexpected argument', args: ['--out', 'x.cbor'], says: /--out goes with --record only/ },
  ],
  enroll: [
    unknownFlag('gw-1'),
    { misuse: 'missing argument', args: ['--password-file', join(tmpdir(), 'mote-misuse.passwd')], says: /missing the device id \(or operator name\) <name>/ },
    { misuse: 'missing argument', args: ['gw-1'], says: /give either --password-file FILE or --ca CA\.pem --ca-key CA\.key/ },
    { misuse: 'missing argument', args: ['gw-1', '--ca', A_FILE], says: /--ca and --ca-key go together/ },
    { misuse: 'bad value', args: ['gw/1', '--password-file', join(tmpdir(), 'mote-misuse.passwd')], says: /'gw\/1' cannot be enrolled: use 1 to 64 letters, digits/ },
    { misuse: 'missing file', args: ['gw-1', '--ca', join(MISSING, 'ca.pem'), '--ca-key', A_FILE], says: /--ca '.*ca\.pem' does not exist/ },
    { misuse: 'missing file', args: ['gw-1', '--password-file', join(MISSING, 'passwd')], says: /the folder of --password-file '.*no-such-folder' does not exist/ },
    { misuse: 'bad value', args: ['gw-1', '--ca', A_FILE, '--ca-key', A_FILE, '--days', '0'], says: /--days '0' is not an integer of at least 1/ },
  ],
  dist: [
    unknownFlag(),
    { misuse: 'unexpected argument', args: ['extra'], says: /unexpected argument 'extra'/ },
    { misuse: 'missing file', args: ['--out', MISSING], says: /--out '.*no-such-folder' does not exist; create the folder first/ },
    { misuse: 'missing argument', args: ['--out'], says: /option '--out' needs a value/ },
  ],
  inspect: [
    unknownFlag('x.o'),
    { misuse: 'missing argument', args: [], says: /missing the object file <obj\.o>/ },
    { misuse: 'missing argument', args: ['--btf'], says: /option '--btf' needs a value/ },
    { misuse: 'missing file', args: [join(MISSING, 'x.o')], says: /object '.*x\.o' does not exist/ },
    { misuse: 'missing file', args: [A_FILE, '--btf', join(MISSING, 'vmlinux')], says: /--btf '.*vmlinux' does not exist/ },
    { misuse: 'unexpected argument', args: [A_FILE, A_FILE], says: /unexpected argument '.*package\.json'/ },
  ],
  keygen: [
    unknownFlag(),
    { misuse: 'missing argument', args: [], says: /missing --out <prefix>/ },
    { misuse: 'missing file', args: ['--out', join(MISSING, 'release')], says: /the folder of --out '.*no-such-folder' does not exist/ },
  ],
  pack: [
    { ...unknownFlag(), spawn: true },
    { misuse: 'missing argument', args: [], says: /missing the module folder <module-dir>/ },
    { misuse: 'missing argument', args: [SYSCOUNT], says: /missing --key <prefix>\.key; make one with 'mote keygen --out <prefix>'/ },
    { misuse: 'missing file', args: [SYSCOUNT, '--key', join(MISSING, 'release.key')], says: /--key '.*release\.key' does not exist/ },
    { misuse: 'missing file', args: [join(MISSING, 'module'), '--key', A_FILE], says: /module folder '.*module' does not exist/ },
    { misuse: 'bad value', args: [SYSCOUNT, '--key', A_FILE, '--version', 'v2'], says: /--version 'v2' is not a version; give 1 to 3 dot-separated numbers/ },
    { misuse: 'bad value', args: [SYSCOUNT, '--key', A_FILE, '--min-agent', 'latest'], says: /--min-agent 'latest' is not a version/ },
  ],
  publish: [
    unknownFlag(),
    { misuse: 'missing argument', args: ['--all'], says: /missing the package file <package\.mote>/ },
    { misuse: 'missing argument', args: [A_FILE], says: /give either --device <id> or --all/ },
    { misuse: 'bad URL', args: ['--all', '--broker', 'http://x', A_FILE], says: BAD_URL },
    { misuse: 'missing file', args: ['--all', join(MISSING, 'x.mote')], says: /package '.*x\.mote' does not exist/ },
    { misuse: 'bad value', args: ['--all', '--timeout', 'soon', A_FILE], says: /--timeout 'soon' is not a positive number of seconds/ },
  ],
  remove: [
    unknownFlag(),
    { misuse: 'missing argument', args: [], says: /missing the module name <module>/ },
    { misuse: 'missing argument', args: ['syscount'], says: /missing --device <id>/ },
    { misuse: 'bad URL', args: ['syscount', '--device', 'gw-1', '--broker', 'http://x'], says: BAD_URL },
  ],
  run: [
    unknownFlag('--board', 'qemu-armv7'),
    { misuse: 'missing argument', args: [], says: /missing --board <name>/ },
    { misuse: 'bad URL', args: ['--board', 'qemu-armv7', '--broker', 'http://x'], says: BAD_URL },
    { misuse: 'bad value', args: ['--board', 'qemu-armv7', '--seconds', 'x'], says: /--seconds 'x' is not a positive number of seconds/ },
  ],
  serve: [
    unknownFlag(),
    { misuse: 'bad URL', args: ['--broker', 'http://x'], says: BAD_URL, spawn: true },
    { misuse: 'missing file', args: ['--token-file', join(MISSING, 'token')], says: /--token-file '.*token' does not exist/ },
    { misuse: 'missing argument', args: ['--broker', 'mqtts://x'], says: /an mqtts:\/\/ broker needs --ca FILE/ },
    { misuse: 'bad value', args: ['--listen', 'localhost'], says: /--listen 'localhost' is not HOST:PORT/ },
    { misuse: 'bad value', args: ['--history-minutes', '0'], says: /--history-minutes '0' is not an integer of at least 1/ },
    { misuse: 'bad value', args: ['--max-devices', 'many'], says: /--max-devices 'many' is not an integer of at least 1/ },
    { misuse: 'bad URL', args: ['--remote-write', 'mqtt://tsdb:8428/api/v1/write'], says: /--remote-write 'mqtt:\/\/tsdb:8428\/api\/v1\/write' is not an http:\/\/ or https:\/\/ URL; give the database's remote write endpoint/ },
    { misuse: 'bad URL', args: ['--remote-write', 'tsdb:8428'], says: /--remote-write 'tsdb:8428' is not an http:\/\/ or https:\/\/ URL/, spawn: true },
    { misuse: 'bad value', args: ['--remote-write', 'http://tsdb:8428/api/v1/write', '--remote-write-interval', '0'], says: /--remote-write-interval '0' is not an integer of at least 1/ },
    { misuse: 'bad URL', args: ['--database', 'victoria:8428'], says: /--database 'victoria:8428' is not an http:\/\/ or https:\/\/ URL; give the database's base URL/ },
    { misuse: 'missing argument', args: ['--ingest-only', '--jetstream', 'nats://n1:4222'], says: /--ingest-only needs --database URL/, spawn: true },
    { misuse: 'bad URL', args: ['--ingest-only', '--database', 'http://v:8428', '--jetstream', 'mqtt://n1:1883'], says: /--jetstream 'mqtt:\/\/n1:1883' is not a nats:\/\/ URL/ },
    { misuse: 'conflicting options', args: ['--jetstream', 'nats://n1:4222', '--database', 'http://v:8428'], says: /--jetstream is for ingest workers/ },
    { misuse: 'missing argument', args: ['--ingest-only', '--database', 'http://v:8428', '--jetstream', 'nats://fleet-operator@n1:4222'], says: /--jetstream names the user 'fleet-operator' but no password; set MOTE_JETSTREAM_PASSWORD/ },
    { misuse: 'conflicting options', args: ['--ingest-only', '--database', 'http://v:8428', '--jetstream', 'nats://a:x@n1:4222', '--jetstream', 'nats://b:y@n2:4222'], says: /--jetstream URLs name different users or passwords/ },
    { misuse: 'bad URL', args: ['--ingest-only', '--database', 'http://v:8428', '--jetstream', 'nats://op%zz:pw@n1:4222'], says: /the --jetstream user 'op%zz' has a broken %-escape; write each % in it as %25/ },
    { misuse: 'conflicting options', args: ['--ingest-only', '--database', 'http://v:8428', '--jetstream', 'nats://n1:4222', '--broker', 'mqtt://b'], says: /either a JetStream cluster \(--jetstream\) or MQTT 5 brokers/ },
    { misuse: 'bad value', args: ['--ingest-only', '--database', 'http://v:8428', '--broker', 'mqtt://b', '--group', 'a b'], says: /--group 'a b' is not a group name/ },
  ],
  size: [unknownFlag(), { misuse: 'unexpected argument', args: ['extra'], says: /unexpected argument 'extra'/ }],
  start: [
    unknownFlag(),
    { misuse: 'bad URL', args: ['--broker', 'http://x'], says: BAD_URL, spawn: true },
    { misuse: 'bad value', args: ['--board', 'no-such-board'], says: /--board 'no-such-board' is not one of / },
    { misuse: 'bad value', args: ['--seconds', '0'], says: /--seconds '0' is not a positive number of seconds/ },
  ],
  watch: [
    unknownFlag(),
    { misuse: 'bad URL', args: ['--broker', 'ftp://x'], says: BAD_URL, spawn: true },
    { misuse: 'missing argument', args: ['--broker'], says: /option '--broker' needs a value/ },
    { misuse: 'bad value', args: ['--count', 'many'], says: /--count 'many' is not an integer of at least 1/ },
    { misuse: 'bad value', args: ['--json=yes'], says: /option '--json' takes no value/ },
  ],
};

const rows = Object.entries(table).flatMap(([command, misuses]) => misuses.map((row) => ({ command, ...row })));
const throughProcess = rows.filter((row) => row.spawn);
const inProcess = rows.filter((row) => !row.spawn);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function mote(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MOTE, ...args], { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Outcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function moteInProcess(args: string[]): Promise<Outcome> {
  const printed = { stdout: [] as unknown[][], stderr: [] as unknown[][] };
  vi.spyOn(console, 'log').mockImplementation((...line) => printed.stdout.push(line));
  vi.spyOn(console, 'error').mockImplementation((...line) => printed.stderr.push(line));
  const code = await main(args);
  const text = (lines: unknown[][]) => lines.map((line) => `${line.join(' ')}\n`).join('');
  return { code, stdout: text(printed.stdout), stderr: text(printed.stderr) };
}

function expectOneLineRefusal(outcome: Outcome, command: string, says: RegExp): void {
  expect(outcome.stdout).toBe('');
  expect(outcome.stderr).toMatch(/^[^\n]+\n$/);
  expect(outcome.stderr).toMatch(new RegExp(`^mote ${command}: `));
  expect(outcome.stderr).toMatch(says);
  expect(outcome.stderr).not.toMatch(/ {4}at |node:internal|^\w*Error:/m);
  expect(outcome.code).toBe(2);
}

afterEach(() => vi.restoreAllMocks());

it('has rows for every registered command, an unknown flag for each', () => {
  expect(Object.keys(table).sort()).toEqual(commands.map((command) => command.name).sort());
  for (const misuses of Object.values(table)) expect(misuses.map((row) => row.misuse)).toContain('unknown flag');
});

describe.concurrent('through the real process', () => {
  it.each(throughProcess)('mote $command $args: $misuse', async ({ command, args, says }) => {
    expectOneLineRefusal(await mote([command, ...args]), command, says);
  });

  it('reports an unexpected failure in one line, and its trace with --debug', async () => {
    const out = ['keygen', '--out', '/proc/mote-misuse'];
    const plain = await mote(out);
    expect(plain).toMatchObject({ code: 1, stdout: '' });
    expect(plain.stderr).toMatch(/^mote keygen: ENOENT: [^\n]*; run again with --debug to see the trace\n$/);
    const debug = await mote([...out.slice(0, 1), '--debug', ...out.slice(1)]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^Error: ENOENT: [^\n]*\n {4}at /);
  });
});

describe('in process, through main()', () => {
  it.each(inProcess)('mote $command $args: $misuse', async ({ command, args, says }) => {
    expectOneLineRefusal(await moteInProcess([command, ...args]), command, says);
  });
});
