/** The CO-RE engine's public surface: relocate against a target BTF, then apply. */
export { apply, fixupsFit, flavoursUsed, relocate, type CoreFixup, type RelocateOptions } from './relocate.ts';
export { CoreRelocationError, type CoreProblem, type CoreRelocationSite } from './errors.ts';
export type { Patch, PatchField } from './patch.ts';
