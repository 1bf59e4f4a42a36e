// Long-running commands a test starts (a sensor, a server, tcpdump): each one's output kept under
// its name, a start that waits for the line saying it is ready, and a stop of all of them —
// SIGTERM, then SIGKILL after 20 s — newest first, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';

export class ChildProcesses {
  /** everything each child wrote to stdout and stderr, by the name it was started under */
  readonly logs: Record<string, string> = {};
  private readonly children: ChildProcess[] = [];

  /** Starts `cmd`; resolves once its output matches `ready` (with the match), fails if it exits first or takes a minute. */
  start(name: string, cmd: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    this.logs[name] = '';
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${name} did not start: ${this.logs[name]}`)), 60_000);
      const onData = (chunk: Buffer): void => {
        this.logs[name] += chunk.toString();
        const match = this.logs[name]!.match(ready);
        if (match) {
          clearTimeout(timer);
          done({ child, match });
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`${name} exited with ${code}: ${this.logs[name]}`)); });
    });
  }

  /** Stops one child and waits for it to exit. */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops every child still running, the last started first. */
  async stopAll(): Promise<void> {
    for (const c of [...this.children].reverse()) await this.stop(c);
  }
}
