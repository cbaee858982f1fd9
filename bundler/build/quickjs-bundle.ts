/**
 * Bundles a piece of TypeScript for QuickJS the way the agent is bundled (esbuild, ES2022,
 * platform neutral, minified) and measures it: QuickJS has no Node built-ins, so whatever the code
 * takes from Node must come in as an npm polyfill, and is counted per package. The telemetry
 * benchmark weighs MQTT clients with it; tests run the bundle on bare QuickJS.
 *
 * `QUICKJS_MQTT_SHIMS` (quickjs-shims.ts) are the two substitutions that make mqtt-packet
 * small: its parser needs only bl's BufferList (bl's main module pulls in readable-stream), and
 * its `debug` logging is dead on the device.
 */
import { build } from 'esbuild';
import { QUICKJS_MQTT_SHIMS } from './quickjs-shims.ts';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  name: string;
  bytes: number;
  gzipBytes: number;
  /** Minified bytes per npm package, 'own' for our code. */
  byPackage: Record<string, number>;
}

/**
 * How to resolve packages: as the agent bundle does; the same plus QUICKJS_MQTT_SHIMS; or with
 * packages' `browser` fields too, which swap Node built-ins for their npm polyfills.
 */
export type Resolution = 'agent' | 'agent+shims' | 'browser-fields';

/**
 * Bundles `source` (resolved from the repository root) as the agent bundle is built. `iifeName`
 * makes a script that puts the module's exports in that global instead of an ES module.
 */
export async function bundleForQuickJs(
  name: string,
  source: string,
  repoRoot: string,
  resolution: Resolution,
  iifeName?: string,
): Promise<BundleSize & { code: string }> {
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts' },
    bundle: true,
    write: false,
    format: iifeName ? 'iife' : 'esm',
    ...(iifeName && { globalName: iifeName }),
    platform: resolution === 'browser-fields' ? 'browser' : 'neutral',
    target: 'es2022',
    mainFields: resolution === 'browser-fields' ? ['browser', 'module', 'main'] : ['module', 'main'],
    conditions: resolution === 'browser-fields' ? ['browser', 'import', 'default'] : ['import', 'default'],
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: resolution === 'agent+shims' ? [QUICKJS_MQTT_SHIMS] : [],
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const byPackage: Record<string, number> = {};
  for (const [path, input] of Object.entries(output.inputs)) {
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'own';
    byPackage[owner] = (byPackage[owner] ?? 0) + input.bytesInOutput;
  }
  const code = result.outputFiles[0]!.text;
  return { name, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length, byPackage, code };
}
