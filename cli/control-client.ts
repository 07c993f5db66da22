import { type ChannelCredentials, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { StatusReply__Output } from '../proto/generated/byzps/v1/StatusReply.js';
import { byzpsV1, type ControlClient } from '../proto/protocol.js';
import type { Instruction } from '../worker/faults.js';
import { settingsOf, text } from '../runtime/settings.js';
import { InputError } from './failure.js';
import { readInputFile } from './files.js';

/** How long an operator call may take before the command gives up. */
const CALL_TIMEOUT_MS = 10_000;

/** The connection settings `byzps inject` and `byzps status` share. */
export interface ControlSettings {
  readonly server: string;
  readonly adminToken: string;
  readonly tlsCaFile: string;
}

const setting = settingsOf<ControlSettings>();

export const controlSettings = [
  setting({ key: 'server', description: 'host:port of the parameter server', default: '', parse: text, required: true, check: (value) => (/^.+:\d+$/.test(value) ? undefined : `must be HOST:PORT, got ${JSON.stringify(value)}`) }),
  setting({ key: 'adminToken', description: 'the operator token of the control service', default: '', parse: text, secret: true, required: true }),
  setting({ key: 'tlsCaFile', description: 'PEM CA bundle to verify a TLS server with (empty: plaintext)', default: '', parse: text }),
] as const;

/** The operator's side of the Control service, with one-line errors for the command line. */
export class ControlConnection {
  private readonly client: ControlClient;
  private readonly token: string;

  private constructor(settings: ControlSettings, channel: ChannelCredentials) {
    this.token = settings.adminToken;
    this.client = new byzpsV1.Control(settings.server, channel);
  }

  /** A connection to the server `settings` name; an unreadable CA file is an InputError. */
  static async open(settings: ControlSettings): Promise<ControlConnection> {
    const channel = settings.tlsCaFile === '' ? credentials.createInsecure() : credentials.createSsl(Buffer.from(await readInputFile(settings.tlsCaFile)));
    return new ControlConnection(settings, channel);
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
