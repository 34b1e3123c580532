/** A stream the CLI writes text to (`process.stdout`, or a collector in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * The process seams of a command: where it writes, the environment it reads and, for `-f -`,
 * standard input. Commands take this instead of touching `process`, so tests run them in-process.
 */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input; absent when there is none to read. */
  readonly readStdin?: () => Promise<string>;
}

/** Exit codes shared by every command (see README, cli). */
export const EXIT_OK = 0;
/** `check`: at least one object was denied. */
export const EXIT_DENIED = 1;
/** Bad flags, unreadable input, or a bad policy. */
export const EXIT_USAGE = 2;
