/**
 * The kernel matrix's table (README, "Kernel matrix"): one row per kernel and board, its Debian
 * release, whether BPF ran through the JIT or the interpreter, where its BTF came from with the
 * sizes, each module's hook variant (and CO-RE flavours) or the reason it did not load, how many
 * telemetry records were checked, and the agent's peak RSS in the guest. Written as Markdown by the matrix test.
 */
export interface KernelRow {
  release: string;
  /** The board and its QEMU machine. */
  board: string;
  debian: string;
  /** `JIT` or `interpreter`. */
  bpf: string;
  btf: string;
  /** Module -> `variant`, or why it failed. */
  modules: Map<string, string>;
  recordsChecked: number;
  /** The agent's VmHWM in the guest, `-` when the guest did not log it. */
  agentPeakRss: string;
}

export function matrixMarkdown(rows: KernelRow[], modules: string[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
  const lines = [
    `| kernel | board | Debian | BPF | kernel BTF (full → minimized) | ${modules.join(' | ')} | records checked | agent peak RSS |`,
    `|---|---|---|---|---|${modules.map(() => '---').join('|')}|---|---|`,
  ];
  for (const row of rows) {
    const cells = modules.map((m) => cell(row.modules.get(m) ?? 'not run'));
    lines.push(`| ${row.release} | ${cell(row.board)} | ${row.debian} | ${row.bpf} | ${cell(row.btf)} | ${cells.join(' | ')} | ${row.recordsChecked} | ${row.agentPeakRss} |`);
  }
  return `${lines.join('\n')}\n`;
}
