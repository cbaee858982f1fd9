/** The object model's public surface: load an object, relocate it, link its programs. */
export { loadObject, KCONFIG_MAP } from './load.ts';
export { linkProgram, type LinkedProgram } from './link.ts';
export { mapsUsedBy } from './map-use.ts';
export { setRodata } from './globals.ts';
export { resolveKconfig, kconfigSize, type KernelDescription } from './externs.ts';
export { inspectObject, type InspectOptions, type InspectReport } from './inspect.ts';
export { apply, fixupsFit, flavoursUsed, relocate, CoreRelocationError, type CoreFixup, type Patch, type PatchField, type RelocateOptions } from './core/index.ts';
export { ObjectError } from './errors.ts';
export type * from './types.ts';
