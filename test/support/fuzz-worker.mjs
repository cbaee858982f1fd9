// Entry of the robustness test's worker thread: registers the TypeScript loader, then runs it.
import { register } from 'tsx/esm/api';

register();
await import('./fuzz-worker.ts');
