import { type Logger, pino } from 'pino';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log record: tokens never reach a log. */
const REDACTED_PATHS = ['token', '*.token', 'authorization', '*.authorization', 'workerToken', 'adminToken', '*.workerToken', '*.adminToken'];

/** The process's root logger: pino JSON on stdout at the given level (from LOG_LEVEL by default); `service` names the process kind. */
export function createRootLogger(level: string, destination?: NodeJS.WritableStream, service = 'byzps-ps'): Logger {
  const options = { level, base: { service }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** One child logger per component (`round`, `grpc`, `http`, …), so every record says where it came from. */
export function componentLogger(root: Logger, component: string): Logger {
  return root.child({ component });
}
