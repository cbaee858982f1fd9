/**
 * Refetches that may overlap (a burst of live pushes): at most one request runs at a time, one
 * more is queued behind it, and only answers that are newest are handed on.
 */

export function latestOnly<T>(load: () => Promise<T>, onResult: (value: T) => void, onError: (error: Error) => void): () => void {
  let running = false;
  let queued = false;
  const run = async (): Promise<void> => {
    if (running) {
      queued = true;
      return;
    }
    running = true;
    try {
      onResult(await load());
    } catch (error) {
      onError(error as Error);
    } finally {
      running = false;
      if (queued) {
        queued = false;
        void run();
      }
    }
  };
  return () => void run();
}
