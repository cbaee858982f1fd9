/** Generates a `vmlinux.h` (every type of a kernel, as C) from a raw BTF file with bpftool. */
import { produceAtomically } from './cache.ts';
import { runTool } from './run-tool.ts';

export async function dumpVmlinuxHeader(btfPath: string, headerPath: string, step: string): Promise<void> {
  await produceAtomically(headerPath, async (tmp) => {
    await runTool({
      step,
      command: 'bpftool',
      args: ['btf', 'dump', 'file', btfPath, 'format', 'c'],
      stdoutPath: tmp,
      remedy: `Install bpftool ('apt-get install bpftool'). If ${btfPath} is corrupt, delete it and re-run.`,
    });
  });
}
