/**
 * The Prometheus remote write 1.0 wire format: a `prometheus.WriteRequest` of
 * `TimeSeries{labels, samples}` encoded by protobufjs from the protocol's own schema (the part
 * of prompb/remote.proto and types.proto that 1.0 senders fill), compressed with snappy's block
 * format (snappyjs), sent with the headers below.
 */
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';

const SCHEMA = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;

/** The protobufjs type of a WriteRequest (decoding it gives int64 timestamps as Long). */
export const WriteRequest = protobuf.parse(SCHEMA).root.lookupType('prometheus.WriteRequest');

export const REMOTE_WRITE_HEADERS = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
};

export interface Label {
  name: string;
  value: string;
}

export interface TimeSeries {
  /** Sorted by name, `__name__` among them, as the protocol requires. */
  labels: Label[];
  /** `timestamp` in ms since the epoch. */
  samples: Array<{ value: number; timestamp: number }>;
}

/** The request body: the snappy-compressed protobuf WriteRequest of `timeseries`. */
export function encodeWriteRequest(timeseries: TimeSeries[]): Uint8Array<ArrayBuffer> {
  return compress(WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish());
}
