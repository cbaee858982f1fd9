/**
 * `mote inspect <obj.o> [--btf <target.btf>] [--json] [--insns] [--verbose]`: shows what an
 * object holds and how each CO-RE relocation resolves against a target BTF (the host's
 * /sys/kernel/btf/vmlinux by default), in libbpf's terms.
 */
import { readFileSync } from 'node:fs';
import { inspectObject, type InspectReport } from '../../../agent/src/object/index.ts';
import { UsageError, type Command } from '../command.ts';
import { choiceOption, existingPath, onePositional, parseCommandLine } from '../options.ts';

const HOST_BTF = '/sys/kernel/btf/vmlinux';

const HELP = `usage: mote inspect <obj.o> [--btf <target.btf>] [--json] [--insns] [--verbose]

Lists the programs, maps, global data and externs of a BPF object, and every CO-RE
relocation with its result against a target kernel BTF.

  --btf <file>   target BTF (raw BTF, e.g. from pahole --btf_encode_detached);
                 default ${HOST_BTF}
  --json         stable machine-readable output:
                 {"programs", "maps", "globals", "externs", "relocations"}
  --insns        with --json, add each program's relocated instructions as hex
  --pointer-size <4|8>
                 pointer size for a target BTF that has no 'long' type (default 8)
  --verbose      print libbpf-style relocation log lines on stderr`;

function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new UsageError(`cannot read ${what} '${path}': ${(err as Error).message}`);
  }
}

function printText(report: InspectReport): void {
  console.log('programs:');
  for (const p of report.programs) {
    const attach = p.kind ? ` ${p.kind}${p.target ? ` -> ${p.target}` : ''}` : '';
    console.log(`  ${p.name}  [${p.section}]${attach}  ${p.insnCount} insns${p.subprogram ? '  (subprogram)' : ''}${p.autoload ? '' : '  (not autoloaded)'}`);
  }
  if (report.programs.length) console.log(`  license: ${report.programs[0]!.license || '(none)'}`);
  console.log('maps:');
  for (const m of report.maps) console.log(`  ${m.name}  type ${m.type}  key ${m.keySize}  value ${m.valueSize}  max_entries ${m.maxEntries}${m.flags ? `  flags 0x${m.flags.toString(16)}` : ''}${m.pinning ? '  pinned' : ''}${m.inner ? `  inner type ${m.inner.type}` : ''}`);
  console.log('globals:');
  for (const g of report.globals) console.log(`  ${g.section}  ${g.size} bytes${g.readOnly ? '  read-only' : ''}  ${g.variables.map((v) => `${v.name}@${v.offset}`).join(' ')}`);
  console.log('externs:');
  for (const e of report.externs) console.log(`  ${e.name}  ${e.section}${e.type ? ` ${e.type} (${e.size} bytes @ ${e.offset})` : ''}${e.weak ? '  weak' : ''}`);
  console.log('relocations:');
  for (const r of report.relocations) {
    const result = r.poisoned ? 'poisoned' : r.patches.map((p) => `${p.field} ${p.from} -> ${p.to}`).join(', ');
    console.log(`  prog '${r.prog}': relo #${r.relo}: insn #${r.insn}: <${r.kind}> ${r.local} => ${r.target ?? '(no match)'}: ${result}`);
  }
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list programs, maps, globals, externs and CO-RE relocations of a BPF object',
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      {
        btf: { type: 'string' },
        json: { type: 'boolean' },
        insns: { type: 'boolean' },
        'pointer-size': { type: 'string', default: '8' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const objectPath = existingPath('object', onePositional(positionals, 'the object file <obj.o>'));
    if (values.btf !== undefined) existingPath('--btf', values.btf);
    if (values.insns && !values.json) throw new UsageError('--insns needs --json');
    const pointerSize = Number(choiceOption('pointer-size', values['pointer-size'], ['4', '8']));
    const object = readInput(objectPath, 'object');
    const btf = readInput(values.btf ?? HOST_BTF, values.btf ? 'target BTF' : 'the host kernel BTF (pass --btf <file> on kernels without it)');
    const report = inspectObject(object, btf, {
      insns: values.insns,
      fallbackPointerSize: pointerSize,
      log: values.verbose ? (line) => console.error(line) : undefined,
    });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printText(report);
    return 0;
  },
};
