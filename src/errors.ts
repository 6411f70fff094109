/**
 * A user's mistake: shown as one sentence naming the fix, exit code `exitCode`, no stack.
 * Anything else that reaches the top is a bug and is reported with its stack.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
