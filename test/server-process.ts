/**
 * Runs one parameter server as its own process for the restart tests: settings come from flags and
 * BYZPS_* variables, logs go to stderr, and one JSON line with the bound ports goes to stdout.
 */
import { loadServerConfig } from '../services/config.js';
import { serveUntilSignal } from '../services/server.js';

await serveUntilSignal(loadServerConfig(process.argv.slice(2), process.env), {
  logDestination: process.stderr,
  onStarted: (handle) => {
    process.stdout.write(`${JSON.stringify({ grpcPort: handle.grpcPort, httpPort: handle.httpPort })}\n`);
  },
});
