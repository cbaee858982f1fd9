/** The built-in modules, generated at build time from agent/modules/ (bundler/build/modules.ts). */
declare module 'mote:builtin-modules' {
  import type { ModuleSource } from '../src/lifecycle/module-types.ts';
  export const builtinModules: ModuleSource[];
}
