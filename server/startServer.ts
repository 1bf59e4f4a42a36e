// startServer: build, create the first admin when there are no users, listen.
import { buildServer, type ServerOptions, type SpanwatchServer } from './app.ts';
import { installLastResort } from './guarded.ts';

export interface StartOptions extends ServerOptions {
  host?: string;
  port?: number;
  /** where the first admin token is shown (once); default stdout */
  announceToken?: (text: string) => void;
  /** log uncaught exceptions and unhandled rejections and keep serving (default true) */
  lastResort?: boolean;
}

export interface StartedServer {
  app: SpanwatchServer;
  url: string;
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions): Promise<StartedServer> {
  const app = await buildServer(opts);
  const ctx = app.spanwatch;
  if (ctx.users.isEmpty()) {
    const token = ctx.users.add('admin', 'admin');
    await ctx.audit.append({ user: 'system', action: 'user.add', target: 'user:admin', details: { role: 'admin', reason: 'first start' } });
    const say = opts.announceToken ?? ((t: string) => process.stdout.write(t));
    say([
      '',
      '==================================================================',
      ' No users yet: created user "admin" (role admin). Its token, shown',
      ' only this once (only its hash is stored):',
      '',
      `   ${token}`,
      '',
      ' Add more with `spanwatch user add NAME --role viewer|analyst|admin|sensor`.',
      '==================================================================',
      '',
    ].join('\n') + '\n');
  }
  if (opts.lastResort !== false) {
    const uninstall = installLastResort(ctx.log);
    app.addHook('onClose', async () => uninstall());
  }
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;
  const host = opts.host ?? '127.0.0.1';
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { app, url, close: () => app.close() };
}
