/** Public surface of the parameter server, for the `byzps ps` command and programs that embed it. */
export { loadServerConfig, makeServerConfig, serverConfigHelp, type ServerConfig } from './config.js';
export { ConfigError } from '../runtime/errors.js';
export { serveUntilSignal, startServer, type ServerHandle, type ServerOptions } from './server.js';
export { byzpsV1, packageDefinition } from '../proto/protocol.js';
export { MAX_CHUNK_BYTES, tensorChunks, type TensorChunk } from '../proto/tensor-chunks.js';
export { FLOW_CONTROL_WINDOW_BYTES, GRPC_TRANSPORT_OPTIONS } from '../proto/transport.js';
