// Event and timer handlers of a long-running server must never take the process down: a handler
// that throws is logged (with what it was doing) and the server keeps serving. `lastResort` is the
// process-level net under everything else, installed by startServer.

export type ServerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

const describeError = (err: unknown): string => (err instanceof Error ? err.stack ?? err.message : String(err));

/** `fn`, wrapped: an exception is logged as "`what` failed: …" instead of escaping to the event loop. */
export function guarded<A extends unknown[]>(what: string, log: ServerLog, fn: (...args: A) => void): (...args: A) => void {
  return (...args: A): void => {
    try {
      fn(...args);
    } catch (err) {
      log('error', `${what} failed: ${describeError(err)}`);
    }
  };
}

/**
 * Logs uncaught exceptions and unhandled rejections instead of exiting. Returns the uninstaller.
 * Node's default (exit) is right for a short command, wrong for a server that many sensors and
 * analysts depend on: one bad handler somewhere must not end every session.
 */
export function installLastResort(log: ServerLog): () => void {
  const onException = (err: unknown): void => { log('error', `uncaught exception (still serving): ${describeError(err)}`); };
  const onRejection = (reason: unknown): void => { log('error', `unhandled promise rejection (still serving): ${describeError(reason)}`); };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
