/** An error meant for the person at the terminal: the message says what failed and what to do. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}
