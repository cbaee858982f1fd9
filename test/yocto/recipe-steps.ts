/**
 * Runs a recipe's own task functions outside bitbake: takes them from `bitbake -e <recipe>`, as
 * bitbake expanded them, and points the parts that name bitbake's toolchain and work folders
 * (CC, CFLAGS, S, B, D, ...) at ours, so a step runs with Debian's cross compiler exactly as
 * written in the recipe. Each replaced value must occur in the functions, or the step is not
 * what the recipe says and the run fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export class RecipeEnvironment {
  constructor(
    readonly recipe: string,
    readonly text: string,
  ) {}

  variable(name: string): string {
    // Exported variables (CC, CFLAGS, LDFLAGS, ...) are shown as `export NAME="..."`.
    const match = new RegExp(`^(?:export )?${name}="(.*)"$`, 'm').exec(this.text);
    if (!match) throw new Error(`bitbake -e ${this.recipe} shows no ${name}`);
    return match[1]!;
  }

  shellFunction(name: string): string {
    const match = new RegExp(`^${name}\\(\\) \\{\\n([\\s\\S]*?)\\n\\}$`, 'm').exec(this.text);
    if (!match) throw new Error(`bitbake -e ${this.recipe} shows no shell function ${name}`);
    return `${name}() {\n${match[1]}\n}`;
  }
}

export interface StepRun {
  script: string;
  output: string;
}

/**
 * Runs the named task functions in order (`sh -e`), with each variable in `ours` replaced, in
 * the expanded text, by ours: the expanded value becomes a reference to an environment variable.
 */
export function runSteps(environment: RecipeEnvironment, tasks: string[], ours: Record<string, string>, extraEnv: Record<string, string> = {}): StepRun {
  let body = tasks.map((task) => environment.shellFunction(task)).join('\n');
  const replaced = Object.keys(ours)
    .map((name) => ({ name, value: environment.variable(name) }))
    .filter(({ value }) => value.trim() !== '')
    .sort((a, b) => b.value.length - a.value.length);
  for (const { name, value } of replaced) {
    if (!body.includes(value)) throw new Error(`${environment.recipe}: ${name}="${value}" occurs in none of ${tasks.join(', ')}`);
    body = body.split(value).join(`\${MOTE_STEP_${name}}`);
  }
  const preamble = ['bbnote() { echo "NOTE: $*"; }', 'bbwarn() { echo "WARNING: $*"; }', 'bbfatal() { echo "ERROR: $*"; exit 1; }'];
  const script = [...preamble, body, ...tasks.map((task) => `cd /; ${task}`)].join('\n');
  // Bitbake makes B before configure, compile and install (their [dirs] flags, base.bbclass).
  if (ours.B) mkdirSync(ours.B, { recursive: true });
  const env = { ...process.env, ...extraEnv, ...Object.fromEntries(Object.entries(ours).map(([name, value]) => [`MOTE_STEP_${name}`, value])) };
  const run = spawnSync('sh', ['-e', '-c', script], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`${environment.recipe}: ${tasks.join(', ')} failed (exit ${run.status}):\n${output.slice(-4000)}\nscript:\n${script.slice(0, 4000)}`);
  return { script, output };
}
