/** The agent's version, injected by the bundler from package.json (`__MOTE_VERSION__`). */
declare const __MOTE_VERSION__: string | undefined;

export const AGENT_VERSION: string = typeof __MOTE_VERSION__ === 'string' ? __MOTE_VERSION__ : '0.0.0-dev';
