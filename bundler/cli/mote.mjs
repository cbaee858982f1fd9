#!/usr/bin/env node
// Entry point of the host CLI `mote`: registers the TypeScript loader, then runs the dispatcher.
// Failures that are no typed MoteError (bugs, a module that does not load, a rejected promise
// nobody awaited) end here as one line and exit code 1; `--debug` anywhere prints the stack.
const DEBUG_FLAG = '--debug';
const debug = process.argv.includes(DEBUG_FLAG);
const args = process.argv.slice(2).filter((arg) => arg !== DEBUG_FLAG);
const who = args[0] === undefined || args[0].startsWith('-') ? 'mote' : `mote ${args[0]}`;

function reportUnexpected(error) {
  if (debug) console.error(error instanceof Error ? error.stack : error);
  else {
    const firstLine = String(error instanceof Error ? error.message : error).split('\n').find((line) => line.trim()) ?? 'unknown error';
    console.error(`${who}: ${firstLine}; run again with ${DEBUG_FLAG} to see the trace`);
  }
  process.exit(1);
}

process.on('uncaughtException', reportUnexpected);
process.on('unhandledRejection', reportUnexpected);
try {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  process.exitCode = await main(args);
} catch (error) {
  reportUnexpected(error);
}
