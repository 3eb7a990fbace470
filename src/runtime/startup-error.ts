/** A start that cannot go on; its message is the one line the operator reads, saying what to change. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
