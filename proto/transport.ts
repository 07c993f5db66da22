/**
 * HTTP/2 flow-control window of every byzps gRPC endpoint (server and clients). The 64 KiB
 * default makes a sender wait for a window update every 64 KiB: on a fast link a gradient push
 * then spends most of its time waiting, not sending. 16 MiB lets several 1 MiB chunks be in flight.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** grpc-js channel and server options that apply the window above. */
export const GRPC_TRANSPORT_OPTIONS = { 'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES } as const;

/**
 * Options of the byzps gRPC server: the transport options above plus limits on what one connection
 * may hold and for how long. (The message-size limit follows --max-chunk-bytes and is set where the
 * server is built.)
 *
 * Why keepalive is the fix for connections that end in an HTTP/2 protocol error: after a
 * connection error (an oversized frame header, bad HPACK, DATA on stream 0, …) nghttp2 sends GOAWAY
 * and from then on wants neither to read nor to write. Node 20 then stops reading the socket
 * (Http2Session::MaybeStopReading) but never closes it and tells JavaScript nothing, so neither the
 * client's FIN nor anything else is ever seen: the socket sits in CLOSE-WAIT holding a file
 * descriptor until the process ends. grpc-js creates the HTTP/2 server itself and exposes no
 * session or socket hook. Its keepalive is what notices: a ping on such a session is never sent,
 * so no ack comes and grpc-js destroys the session (and its socket) after the timeout. The same
 * probe frees connections whose peer vanished (a black-holed network, a frozen process).
 */
export const GRPC_SERVER_OPTIONS = {
  ...GRPC_TRANSPORT_OPTIONS,
  /**
   * A ping every 2 s on every connection, answered within 4 s: a dead or errored connection is
   * released at most 6 s after its last sign of life. Pings are 17-byte frames that HTTP/2 stacks
   * answer without the application (Node answers from its event loop, so a client that blocks its
   * event loop for 4 s loses its connection and reconnects; workers compute for milliseconds).
   */
  'grpc.keepalive_time_ms': 2_000,
  'grpc.keepalive_timeout_ms': 4_000,
  /**
   * A connection with no call for 30 s is closed with GOAWAY; its client reconnects on its next
   * call. Workers always hold a call (a pull or a push) while they train, so this only reaps
   * connections nobody uses: dashboards, one-off CLI calls, abandoned clients.
   */
  'grpc.max_connection_idle_ms': 30_000,
  /**
   * Every connection is replaced after 30 min (±10 % jitter from grpc-js): a GOAWAY tells the client
   * to open new calls on a new connection, and the calls in flight get 60 s to finish — longer than
   * any legitimate call (--push-timeout-ms, --pull-timeout-ms and the workers' call deadline are
   * 30 s by default) — before the connection is cut. It bounds how long any one connection, and
   * whatever it holds, can live, and lets renewed TLS certificates reach every client.
   */
  'grpc.max_connection_age_ms': 30 * 60_000,
  'grpc.max_connection_age_grace_ms': 60_000,
  /**
   * Calls one connection may have open at once (Node's default is 2³²−1). A worker holds at most
   * three (a pull, a push, a join); grpc-js shares one connection among all clients of a process
   * with the same target and options, so a process hosting 64 workers (the load test) needs about
   * 130. Beyond the limit a client's HTTP/2 layer queues new calls until one ends; none is refused.
   * It caps what one connection can make the server buffer: 256 calls × one request message each.
   */
  'grpc.max_concurrent_streams': 256,
} as const;
