/**
 * The dashboard's files: `bundler/web/static/` (`/` is its index.html) and uPlot from
 * node_modules under `/vendor/uplot/`, so the page loads nothing from a CDN. Paths cannot leave
 * those folders.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { repoRoot } from '../paths.ts';

const STATIC_DIR = join(repoRoot, 'bundler', 'web', 'static');
const UPLOT_DIR = join(repoRoot, 'node_modules', 'uplot', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** The file for a URL path, or undefined when there is none. */
export async function staticFile(pathname: string): Promise<{ body: Buffer; contentType: string } | undefined> {
  const [root, rest] = pathname.startsWith('/vendor/uplot/') ? [UPLOT_DIR, pathname.slice('/vendor/uplot/'.length)] : [STATIC_DIR, pathname === '/' ? 'index.html' : pathname.slice(1)];
  const path = normalize(join(root, decodeURIComponent(rest)));
  if (!path.startsWith(root + sep)) return undefined;
  try {
    return { body: await readFile(path), contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' };
  } catch {
    return undefined;
  }
}
