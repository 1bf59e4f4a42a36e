// WebSocket heartbeats: a ping every interval; a peer that has not answered the previous ping is
// terminated, which is how half-open connections get noticed.
import type { WebSocket } from 'ws';

export function keepAlive(socket: WebSocket, intervalMs: number): () => void {
  let alive = true;
  socket.on('pong', () => { alive = true; });
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
