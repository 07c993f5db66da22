import { readFileSync } from 'node:fs';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { StatusReply__Output } from '../proto/generated/byzps/v1/StatusReply.js';
import { byzpsV1, type ControlClient } from '../proto/protocol.js';
import type { Instruction } from '../worker/faults.js';
import { InputError, UsageError } from './failure.js';

/** How long an operator call may take before the command gives up. */
const CALL_TIMEOUT_MS = 10_000;

/** The connection flags `byzps inject` and `byzps status` share. */
export const controlFlags = {
  server: { kind: 'string', valueName: 'HOST:PORT', description: 'the parameter server (required)' },
  'admin-token': { kind: 'string', valueName: 'TOKEN', description: 'operator token (default: $BYZPS_ADMIN_TOKEN)' },
  'tls-ca-file': { kind: 'string', valueName: 'FILE', description: 'PEM CA bundle to verify a TLS server with (default: plaintext)' },
} as const;

export interface ControlConnectionFlags {
  readonly server: string | undefined;
  readonly 'admin-token': string | undefined;
  readonly 'tls-ca-file': string | undefined;
}

/** The operator's side of the Control service, with one-line errors for the command line. */
export class ControlConnection {
  private readonly client: ControlClient;
  private readonly token: string;

  constructor(flags: ControlConnectionFlags, env: Readonly<Record<string, string | undefined>>) {
    if (flags.server === undefined || !/^.+:\d+$/.test(flags.server)) throw new UsageError('--server HOST:PORT is required');
    const token = flags['admin-token'] ?? env.BYZPS_ADMIN_TOKEN ?? '';
    if (token === '') throw new UsageError('the control service needs the operator token: --admin-token or BYZPS_ADMIN_TOKEN');
    this.token = token;
    const caFile = flags['tls-ca-file'];
    const channel = caFile === undefined ? credentials.createInsecure() : credentials.createSsl(readFileSync(caFile));
    this.client = new byzpsV1.Control(flags.server, channel);
  }

  status(): Promise<StatusReply__Output> {
    return this.call('Status', (metadata, options, callback) => this.client.status({}, metadata, options, callback));
  }

  injectFault(workerName: string, instruction: Instruction): Promise<unknown> {
    return this.call('InjectFault', (metadata, options, callback) => this.client.injectFault({ workerName, fault: instruction }, metadata, options, callback));
  }

  close(): void {
    this.client.close();
  }

  private call<Reply>(method: string, invoke: (metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, reply?: Reply) => void) => unknown): Promise<Reply> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.token}`);
    return new Promise((resolve, reject) => {
      invoke(metadata, { deadline: new Date(Date.now() + CALL_TIMEOUT_MS) }, (error, reply) => {
        if (error !== null) reject(new InputError(`${method} failed: ${error.details || error.message}`));
        else resolve(reply!);
      });
    });
  }
}
