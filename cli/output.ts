/**
 * Writes text to stdout and resolves once it is handed to the OS, so a large result is never cut
 * short by the exit. A reader that stops early (`| head`) closes the pipe (EPIPE): that is not an
 * error, the rest of the output is simply not wanted.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (error && (error as NodeJS.ErrnoException).code !== 'EPIPE') reject(error);
      else resolve();
    });
  });
}

/** Write errors reach writeStdout's callback; this listener only keeps Node from also rethrowing them as uncaught. */
export function handleStdoutErrorsInWrites(): void {
  process.stdout.on('error', () => undefined);
}
