import { ConfigError } from '../config';

/** Runs a command-line task: one clear line and a non-zero exit on failure, never a stack trace for expected errors. */
export function runCli(task: () => Promise<void>): void {
  task().then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof ConfigError || error instanceof CliError) {
        console.error(error.message);
      } else {
        const code = (error as { code?: string }).code;
        console.error(`Failed: ${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
      }
      process.exit(1);
    },
  );
}

/** An error whose message is meant for the person at the terminal. */
export class CliError extends Error {}
