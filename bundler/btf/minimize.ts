/**
 * Minimized BTF: `bpftool gen min_core_btf` keeps, from a kernel's full BTF, only the types
 * and members that the given CO-RE objects relocate against (a few hundred bytes to a few KB
 * instead of megabytes). Devices whose kernel has no BTF carry this instead.
 */
import { produceAtomically } from './cache.ts';
import { runTool } from './run-tool.ts';

export async function minimizeBtf(fullBtf: string, objects: string[], output: string): Promise<void> {
  await produceAtomically(output, (tmp) =>
    runTool({
      step: 'minimize BTF', command: 'bpftool', args: ['gen', 'min_core_btf', fullBtf, tmp, ...objects],
      remedy: "Install bpftool ('apt-get install bpftool', v7 or newer) and check that the objects were built with clang -g for the same architecture as the BTF.",
    }).then(() => undefined),
  );
}
