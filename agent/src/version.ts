/**
 * The agent's version, injected by the bundler from package.json (`__MOTE_VERSION__`), and its
 * build: a digest of the sources that decide what CO-RE produces (`__MOTE_BUILD__`), so that a
 * cache of relocations made by one build is never served to another of the same version.
 */
declare const __MOTE_VERSION__: string | undefined;
declare const __MOTE_BUILD__: string | undefined;

export const AGENT_VERSION: string = typeof __MOTE_VERSION__ === 'string' ? __MOTE_VERSION__ : '0.0.0-dev';
export const AGENT_BUILD: string = typeof __MOTE_BUILD__ === 'string' ? __MOTE_BUILD__ : 'dev';
