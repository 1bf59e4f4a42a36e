// WebSocket heartbeats: a ping every interval; a peer that has not answered the previous ping is
// terminated, which is how half-open connections get noticed.
import type { WebSocket } from 'ws';
import { guarded, type ServerLog } from '../guarded.ts';

export function keepAlive(socket: WebSocket, intervalMs: number, log: ServerLog): () => void {
  let alive = true;
  socket.on('pong', () => { alive = true; });
  const timer = setInterval(guarded('heartbeat', log, () => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
