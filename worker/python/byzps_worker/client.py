"""One gRPC session with a byzps server: Join, the long-poll Pull, Observe, Push in chunks and
ReportEvaluation (docs/PROTOCOL.md), with the status codes the worker loop acts on."""
import random
import time

import grpc
import numpy as np

from .protocol import stubs
from .tensors import BFLOAT16, FLOAT32, ModelAssembly, chunk_ranges, encode

# Join refusals that retrying cannot fix (docs/PROTOCOL.md, "A worker's loop").
FATAL_JOIN = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT}
# Failures after which the session is gone: reconnect with backoff and join again.
SESSION_LOST = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class Cancelled(Exception):
    """The call in flight was cancelled by stop()."""


class Backoff:
    """From 100 ms doubling to 10 s, with jitter, as byzps workers reconnect; reset after a success."""

    def __init__(self, first=0.1, limit=10.0):
        self.first, self.limit, self.next = first, limit, first

    def delay(self):
        delay = self.next * (0.5 + random.random() / 2)
        self.next = min(self.limit, self.next * 2)
        return delay

    def reset(self):
        self.next = self.first


class Connection:
    """A channel to the server and the calls of the ParameterServer service."""

    def __init__(self, server, token=None, root_certificates=None):
        self.pb, rpc = stubs()
        options = [('grpc.max_receive_message_length', MAX_MESSAGE_BYTES), ('grpc.keepalive_time_ms', 30_000)]
        if root_certificates is not None:
            self.channel = grpc.secure_channel(server, grpc.ssl_channel_credentials(root_certificates), options=options)
        else:
            self.channel = grpc.insecure_channel(server, options=options)
        self.stub = rpc.ParameterServerStub(self.channel)
        self.metadata = (('authorization', f'Bearer {token}'),) if token else ()
        self.active = None  # the call in flight, so stop() can cancel it
        self.join_reply = None

    def join(self, name, timeout=30):
        self.join_reply = self.stub.Join(self.pb.JoinRequest(worker_name=name), metadata=self.metadata, timeout=timeout)
        return self.join_reply

    def _receive(self, call):
        self.active = call
        try:
            assembly = ModelAssembly()
            for chunk in call:
                assembly.add(chunk)
            round_, theta = assembly.finish()
            return round_, theta, assembly.faults
        finally:
            self.active = None

    def pull(self, worker_id, min_round, pull_wait_ms):
        """θ of the open round once it is ≥ min_round: (round, θ, faults). DEADLINE_EXCEEDED: ask again."""
        request = self.pb.PullRequest(worker_id=worker_id, min_round=min_round)
        return self._receive(self.stub.Pull(request, metadata=self.metadata, timeout=pull_wait_ms / 1000 + 30))

    def observe(self, min_round, pull_wait_ms):
        """θ as an observer gets it: (round, θ); never changes a round."""
        round_, theta, _ = self._receive(self.stub.Observe(self.pb.ObserveRequest(min_round=min_round), metadata=self.metadata, timeout=pull_wait_ms / 1000 + 30))
        return round_, theta

    def push(self, worker_id, round_, gradient, max_chunk_bytes, encoding=FLOAT32, timeout=30):
        """Streams the gradient for round_ in chunks of at most max_chunk_bytes; returns the accepted round."""
        gradient = np.ascontiguousarray(gradient, dtype=np.float32)
        wire = self.pb.TensorEncoding.Value('BFLOAT16' if encoding == BFLOAT16 else 'FLOAT32')

        def chunks():
            for offset, end in chunk_ranges(len(gradient), max_chunk_bytes, encoding):
                yield self.pb.GradientChunk(worker_id=worker_id, round=round_, offset=offset, data=encode(gradient[offset:end], encoding), encoding=wire)

        future = self.stub.Push.future(chunks(), metadata=self.metadata, timeout=timeout)
        self.active = future
        try:
            return future.result().round
        except grpc.FutureCancelledError:
            raise Cancelled('the push was cancelled') from None
        finally:
            self.active = None

    def report_evaluation(self, round_, loss, accuracy=None, seconds=0.0, evaluator='evaluator', timeout=30):
        report = self.pb.EvaluationReport(round=round_, loss=loss, seconds=seconds, evaluator=evaluator)
        if accuracy is not None:
            report.accuracy = accuracy
            report.has_accuracy = True
        return self.stub.ReportEvaluation(report, metadata=self.metadata, timeout=timeout).round

    def cancel(self):
        call = self.active
        if call is not None:
            call.cancel()

    def close(self):
        self.channel.close()


def sleep_unless(stopped, seconds):
    """Sleeps up to `seconds`, waking early once stopped() is true."""
    end = time.monotonic() + seconds
    while not stopped() and time.monotonic() < end:
        time.sleep(min(0.05, end - time.monotonic()))
