/** The part of istanbul-lib-instrument (which ships no types) that prepare.ts uses. */
declare module 'istanbul-lib-instrument' {
  export interface InstrumenterOptions {
    esModules?: boolean;
    compact?: boolean;
    produceSourceMap?: boolean;
    coverageVariable?: string;
  }
  export interface Instrumenter {
    instrumentSync(code: string, filename: string): string;
  }
  export function createInstrumenter(options?: InstrumenterOptions): Instrumenter;
}
