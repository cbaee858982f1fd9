/**
 * The agent's `Connection` over a Node socket, for what runs the agent's MQTT session under Node
 * (the fleet simulator, the telemetry tests): socket events become the session's open, data and
 * close (with the socket's error, if any), and writes to a destroyed socket are dropped.
 */
import type net from 'node:net';
import type { Connection, ConnectionEvents } from '../../agent/src/telemetry/transport.ts';

export function nodeSocketConnection(socket: net.Socket, events: ConnectionEvents): Connection {
  let failure: Error | undefined;
  socket.on('connect', () => events.onOpen());
  socket.on('data', (bytes) => events.onData(bytes));
  socket.on('error', (error) => (failure = error));
  socket.on('close', () => events.onClose(failure));
  return {
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
    close: () => socket.destroy(),
  };
}
