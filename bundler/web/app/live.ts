/// <reference lib="dom" />
/**
 * The server's live pushes (`GET /api/events`, server-sent events): one EventSource for the whole
 * page, listeners per event name, and a connection badge. EventSource reconnects by itself; when
 * it gives up (the server closed it for good) a timer opens a new one.
 */

export type LiveEventName = 'fleet' | 'record' | 'ota-result';
type Listener = (data: unknown) => void;

const RECONNECT_MS = 2000;

export class LiveEvents {
  private readonly listeners = new Map<LiveEventName, Set<Listener>>();

  constructor(private readonly onConnectionChange: (connected: boolean) => void) {}

  start(): void {
    const source = new EventSource('/api/events');
    source.onopen = () => this.onConnectionChange(true);
    source.onerror = () => {
      this.onConnectionChange(false);
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(() => this.start(), RECONNECT_MS);
      }
    };
    for (const name of ['fleet', 'record', 'ota-result'] as const) {
      source.addEventListener(name, (event) => this.dispatch(name, (event as MessageEvent<string>).data));
    }
  }

  /** Calls `listener` with each `name` event's parsed data until the returned function is called. */
  on(name: LiveEventName, listener: Listener): () => void {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name)!.add(listener);
    return () => this.listeners.get(name)!.delete(listener);
  }

  private dispatch(name: LiveEventName, raw: string): void {
    let data: unknown = raw;
    try {
      data = JSON.parse(raw);
    } catch {
      // not JSON: listeners get the text
    }
    for (const listener of this.listeners.get(name) ?? []) listener(data);
  }
}
