#!/usr/bin/env node
// Entry point of the host CLI `mote`: registers the TypeScript loader, then runs the dispatcher.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
