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
   * A ping every second on every connection, to be answered within 5 s: a dead or errored
   * connection is released at most 6 s after its last sign of life. Pings are 17-byte frames that
   * HTTP/2 stacks answer without the application, but Node answers from its event loop: a client
   * whose event loop is blocked for 5 s loses its connection and reconnects. The timeout is the
   * larger part because of that (the load test's process hosting 16 workers at d = 10⁶ sees loops
   * blocked for up to 2 s on a busy machine); the interval is short because it costs two frames.
   */
  'grpc.keepalive_time_ms': 1_000,
  'grpc.keepalive_timeout_ms': 5_000,
  /**
   * A connection with no call for 30 s is closed with GOAWAY; its client reconnects on its next
   * call. Workers always hold a call (a pull or a push) while they train, so this only reaps
   * connections nobody uses: dashboards, one-off CLI calls, abandoned clients.
   */
  'grpc.max_connection_idle_ms': 30_000,
  // No grpc.max_connection_age_ms: in grpc-js 1.14 the keepalive above destroys a connection that
  // is draining after a GOAWAY at its next ping (Node cancels pings on a closed session, which
  // grpc-js takes for a dead peer), so an age limit would cut the calls in flight within a second
  // instead of letting them finish within a grace period. (The server's own graceful shutdown
  // drains the same way: its calls in flight are cut at the next ping, before the forced
  // shutdown.) test/connection-hygiene.test.ts checks this, so that it fails once grpc-js lets
  // draining connections be.
  /**
   * Calls one connection may have open at once (Node's default is 2³²−1). A worker holds at most
   * three (a pull, a push, a join); grpc-js shares one connection among all clients of a process
   * with the same target and options, so a process hosting 64 workers (the load test) needs about
   * 130. Beyond the limit a client's HTTP/2 layer queues new calls until one ends; none is refused.
   * It caps what one connection can make the server buffer: 256 calls × one request message each.
   */
  'grpc.max_concurrent_streams': 256,
} as const;
