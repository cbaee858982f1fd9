/**
 * A client for a Prometheus-compatible time-series database, as VictoriaMetrics serves it at one
 * base URL (single node: http://host:8428; cluster: vminsert's and vmselect's tenant URLs):
 * writes by Prometheus remote write 1.0 to `/api/v1/write`, reads by PromQL from
 * `/api/v1/query` and `/api/v1/query_range`, and raw samples from `/api/v1/export`. Every
 * failure is a `DatabaseError` that says whether trying again can help.
 */
import { MoteError } from '../../../agent/src/errors.ts';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type TimeSeries } from '../remote-write/write-request.ts';

export class DatabaseError extends MoteError {
  constructor(
    message: string,
    /** True for network errors, timeouts, 5xx and 429: the same request may succeed later. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  metric: Record<string, string>;
  points: Array<[number, number]>;
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

const BODY_IN_ERROR = 300;
/** Series per write request: well under VictoriaMetrics' default 32 MiB limit on an unpacked request. */
const SERIES_PER_REQUEST = 10_000;

export class VictoriaClient {
  readonly base: string;

  constructor(
    base: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = base.replace(/\/+$/, '');
  }

  /**
   * Writes the series, in requests of at most SERIES_PER_REQUEST; resolves once the database
   * accepted them all (2xx). After a failure some may be stored: writing them again is harmless,
   * since the samples are the same.
   */
  async write(series: TimeSeries[]): Promise<void> {
    for (let start = 0; start < series.length; start += SERIES_PER_REQUEST) {
      await this.request('/api/v1/write', { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(series.slice(start, start + SERIES_PER_REQUEST)) });
    }
  }

  /** A PromQL instant query's vector result. */
  async query(promql: string, timeMs = Date.now()): Promise<InstantSample[]> {
    const body = await this.request(`/api/v1/query?${new URLSearchParams({ query: promql, time: String(timeMs / 1000) })}`);
    const result = (JSON.parse(body) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
    return result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  /** A PromQL range query's matrix result; points are [ms, value]. */
  async queryRange(promql: string, startMs: number, endMs: number, stepMs: number): Promise<RangeSeries[]> {
    const params = new URLSearchParams({ query: promql, start: String(startMs / 1000), end: String(endMs / 1000), step: `${Math.max(1, Math.round(stepMs / 1000))}s` });
    const body = await this.request(`/api/v1/query_range?${params}`);
    const result = (JSON.parse(body) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } }).data.result;
    return result.map(({ metric, values }) => ({ metric, points: values.map(([seconds, value]): [number, number] => [seconds * 1000, Number(value)]) }));
  }

  /** Every raw sample of the series `match` selects (VictoriaMetrics' export API, JSON lines). */
  async export(match: string): Promise<ExportedSeries[]> {
    const body = await this.request(`/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
    return body
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ExportedSeries);
  }

  private async request(path: string, init: RequestInit = {}): Promise<string> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new DatabaseError(`database ${this.base}: ${why}; check that it runs and is reachable from here`, true);
    }
    const body = await response.text();
    if (response.ok) return body;
    const retryable = response.status >= 500 || response.status === 429;
    throw new DatabaseError(`database ${this.base}${path.split('?')[0]} answered ${response.status}: ${body.trim().slice(0, BODY_IN_ERROR)}; ${retryable ? 'it is overloaded or failing, check its logs' : 'check the --database URL (the base URL, e.g. http://victoria:8428)'}`, retryable);
  }
}
