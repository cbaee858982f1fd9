/**
 * The dashboard's files as `mote serve` serves them at `/`: bundler/web/static/ as it is, the
 * front end (bundler/web/app/main.ts) bundled by esbuild into `app.js` in memory, and uPlot's
 * stylesheet. Everything is local, so the dashboard works without a network. Built once per
 * process, on first use.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { build } from 'esbuild';

export interface DashboardAsset {
  /** The Content-Type to serve it with. */
  type: string;
  bytes: Uint8Array;
}

const webDir = import.meta.dirname;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

let assets: Promise<Map<string, DashboardAsset>> | undefined;

/** Paths such as `/index.html`, `/app.js`, `/vendor/uplot/uPlot.min.css` with their content; `/` is index.html. */
export function dashboardAssets(): Promise<Map<string, DashboardAsset>> {
  assets ??= buildDashboard();
  return assets;
}

async function buildDashboard(): Promise<Map<string, DashboardAsset>> {
  const files = new Map<string, DashboardAsset>();
  const staticDir = join(webDir, 'static');
  for (const name of await readdir(staticDir)) files.set(`/${name}`, { type: contentType(name), bytes: await readFile(join(staticDir, name)) });
  files.set('/app.js', { type: contentType('app.js'), bytes: await bundleApp() });
  const uplotCss = createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css');
  files.set('/vendor/uplot/uPlot.min.css', { type: contentType(uplotCss), bytes: await readFile(uplotCss) });
  files.set('/', files.get('/index.html')!);
  return files;
}

async function bundleApp(): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [join(webDir, 'app', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    sourcemap: false,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}

function contentType(name: string): string {
  return CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
}
