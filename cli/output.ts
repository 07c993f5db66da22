/** Writes text to stdout and resolves once it is handed to the OS, so a large result is never cut short by the exit. */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
