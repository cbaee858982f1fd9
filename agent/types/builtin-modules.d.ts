/** The built-in modules, generated at build time from agent/modules/ (bundler/build/modules.ts). */
declare module 'mote:builtin-modules' {
  import type { ModuleSource } from '../src/sample/module-types.ts';
  export const builtinModules: ModuleSource[];
}
