/**
 * The device's `Sys`: the `mote:sys` C module seen through the typed interface. Imported only
 * by the agent's entry points; everything below them receives `sys` as a parameter.
 */
import * as native from 'mote:sys';
import type { Sys } from './types.ts';

export const sys: Sys = native;
