import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';

/** One call as raw bytes: the method path, its streaming kind, the request messages, and how it ends. */
export interface RawCall {
  readonly path: string;
  readonly kind: 'unary' | 'server_stream' | 'client_stream';
  readonly messages: readonly Buffer[];
  /** Client streams: cancel after writing this many messages instead of ending the stream. */
  readonly cancelAfter?: number;
  readonly token: string | undefined;
}

/** How a call ended: its status code and details, and what the server sent back. */
export interface RawOutcome {
  readonly code: status;
  readonly details: string;
  readonly replyBytes: number;
}

const identity = (bytes: Buffer) => bytes;

/**
 * A gRPC client that sends arbitrary bytes on any method path (its serializers are the identity),
 * so messages no encoder would produce reach the server as they are.
 */
export class RawGrpcClient {
  private readonly client: Client;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure(), { 'grpc.enable_retries': 0 });
  }

  /** Makes one call with a deadline; always resolves with the status it ended with. */
  call(call: RawCall, deadlineMs: number): Promise<RawOutcome> {
    const metadata = new Metadata();
    if (call.token !== undefined) metadata.set('authorization', `Bearer ${call.token}`);
    const options = { deadline: new Date(Date.now() + deadlineMs) };
    return new Promise((resolve) => {
      let replyBytes = 0;
      const done = (error: ServiceError | null, reply?: Buffer) => {
        replyBytes += reply?.length ?? 0;
        resolve(error === null ? { code: status.OK, details: '', replyBytes } : { code: error.code, details: error.details, replyBytes });
      };
      if (call.kind === 'unary') {
        this.client.makeUnaryRequest(call.path, identity, identity, call.messages[0] ?? Buffer.alloc(0), metadata, options, done);
      } else if (call.kind === 'server_stream') {
        const stream = this.client.makeServerStreamRequest(call.path, identity, identity, call.messages[0] ?? Buffer.alloc(0), metadata, options);
        stream.on('data', (chunk: Buffer) => (replyBytes += chunk.length));
        stream.on('error', () => undefined);
        stream.on('status', (ended: { code: status; details: string }) => {
          resolve({ code: ended.code, details: ended.details, replyBytes });
        });
      } else {
        const stream = this.client.makeClientStreamRequest(call.path, identity, identity, metadata, options, done);
        call.messages.forEach((message, index) => {
          if (call.cancelAfter !== undefined && index >= call.cancelAfter) return;
          stream.write(message);
        });
        if (call.cancelAfter === undefined) stream.end();
        else setImmediate(() => {
          stream.cancel();
        });
      }
    });
  }

  close(): void {
    this.client.close();
  }
}
