/**
 * A problem with what the user asked for (a flag, a file, a policy): the command prints the
 * message on stderr and exits 2. Anything else that is thrown is a bug.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
