/**
 * HTTP/2 flow-control window of every byzps gRPC endpoint (server and clients). The 64 KiB
 * default makes a sender wait for a window update every 64 KiB: on a fast link a gradient push
 * then spends most of its time waiting, not sending. 16 MiB lets several 1 MiB chunks be in flight.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** grpc-js channel and server options that apply the window above. */
export const GRPC_TRANSPORT_OPTIONS = { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES } as const;
