"""A byzps worker around any torch.nn.Module: join, long-poll Pull θ into the model, compute the
gradient of the loss on the next batch, push it, round after round (docs/PROTOCOL.md, section 3)."""
import logging
import signal
import threading
import time

import grpc
import numpy as np
import torch

from .attacks import ATTACKS, create_attack
from .client import FATAL_JOIN, SESSION_LOST, Backoff, Cancelled, Connection, sleep_unless
from .model import flat_gradient, load_parameters, parameter_count
from .tensors import BFLOAT16, FLOAT32

log = logging.getLogger('byzps_worker')


class WorkerError(Exception):
    """The worker cannot go on: the server refused it for good, or trains another model."""


def cycle(data):
    """Batches of `data` forever: a DataLoader (or any iterable) started again when it runs out."""
    while True:
        empty = True
        for batch in data:
            empty = False
            yield batch
        if empty:
            raise WorkerError('the data loader yields no batch')


def default_step(model, loss_fn, batch, label_map):
    """loss_fn(model(x), y) for a batch (x, y); a data attack's label map rewrites y first."""
    inputs, targets = batch
    if label_map is not None:
        targets = label_map[targets]
    return loss_fn(model(inputs), targets)


class StopOnSignals:
    """While active, SIGTERM and SIGINT call stop() (in the main thread only, where Python allows handlers)."""

    def __init__(self, stop):
        self.stop, self.previous = stop, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self.previous[sig] = signal.signal(sig, lambda *_: self.stop())
        return self

    def __exit__(self, *_):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


class _Stoppable:
    """What Worker and Evaluator share: stop() from a signal handler or another thread."""

    _stopped = False
    _connection = None

    def stop(self):
        """Ends run() as soon as the call in flight is cancelled; safe from a signal handler or another thread."""
        self._stopped = True
        connection = self._connection
        if connection is not None:
            connection.cancel()


class Worker(_Stoppable):
    """
    Trains `model` against a byzps server (started with `--task external --initial-parameters`
    holding this model's θ₀). `data` is any iterable of batches (a DataLoader); by default a batch
    is (inputs, targets) and the loss is loss_fn(model(inputs), targets); pass step(model, batch) →
    loss for anything else. `attack` (an Attack, or text such as 'sign-flip:k=4') makes it
    Byzantine; an operator's InjectFault instructions with an attack's name change it at run time.
    """

    def __init__(self, model, loss_fn, data, *, server='127.0.0.1:50051', name='worker-0', token=None, attack=None,
                 encoding=FLOAT32, step=None, root_certificates=None, classes=10):
        if encoding not in (FLOAT32, BFLOAT16):
            raise ValueError(f'encoding must be {FLOAT32!r} or {BFLOAT16!r}, got {encoding!r}')
        self.model, self.loss_fn, self.server, self.name, self.token = model, loss_fn, server, name, token
        self.encoding, self.root_certificates, self.classes = encoding, root_certificates, classes
        self.batches = cycle(data)
        self.step = step or (lambda model, batch, label_map: default_step(model, loss_fn, batch, label_map))
        self.attack = create_attack_from(attack)
        self.pushed = 0
        self.refused = 0
        self.last_loss = None

    @property
    def stopped(self):
        return self._stopped

    def gradient(self, theta, round_):
        """The gradient this worker pushes for round_ at θ: honest, or what its attack makes of it."""
        load_parameters(self.model, theta)
        self.model.train()
        label_map = None
        if self.attack is not None and self.attack.kind == 'data':
            label_map = torch.as_tensor(self.attack.label_map(self.classes))
        own = self._honest_gradient(label_map)
        if self.attack is None or self.attack.kind == 'data':
            return own
        # A colluding attack (alie) estimates honest gradients on further batches of its own data.
        estimates = [own] + [self._honest_gradient(None) for _ in range(self.attack.estimates_needed - 1)]
        return self.attack.apply(own, round_, estimates)

    def _honest_gradient(self, label_map):
        self.model.zero_grad(set_to_none=True)
        loss = self.step(self.model, next(self.batches), label_map)
        loss.backward()
        self.last_loss = float(loss.detach())
        return flat_gradient(self.model)

    def _apply_instructions(self, faults):
        for fault in faults:
            if fault.kind == 'none':
                self.attack = None
            elif fault.kind in ATTACKS:
                try:
                    self.attack = create_attack(fault.kind, dict(fault.params))
                except ValueError as error:
                    log.warning('%s: ignoring the instruction %s: %s', self.name, fault.kind, error)
                    continue
            else:
                log.warning('%s: ignoring the instruction %s (not implemented by the Python worker)', self.name, fault.kind)
                continue
            log.warning('%s: instructed by the operator: now %s', self.name, self.attack or 'honest')

    def run(self, rounds=None, on_round=None):
        """Trains until stop() (SIGTERM, SIGINT) or `rounds` pushes; returns the number of accepted pushes."""
        backoff = Backoff()
        with StopOnSignals(self.stop):
            worked = 0
            while not self._stopped and (rounds is None or worked < rounds):
                connection = self._connection = Connection(self.server, self.token, self.root_certificates)
                try:
                    joined = connection.join(self.name)
                    d = parameter_count(self.model)
                    if joined.dimension != d:
                        raise WorkerError(f'the server trains d={joined.dimension} parameters ({joined.task}), this model has {d}')
                    log.info('%s: joined as worker %d, round %d, d=%d', self.name, joined.worker_id, joined.round, d)
                    backoff.reset()
                    want = joined.round
                    while not self._stopped and (rounds is None or worked < rounds):
                        try:
                            round_, theta, faults = connection.pull(joined.worker_id, want, joined.pull_wait_ms)
                        except grpc.RpcError as error:
                            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                                continue  # the long poll ended without a new round: ask again
                            raise
                        self._apply_instructions(faults)
                        started = time.monotonic()
                        gradient = self.gradient(theta, round_)
                        worked += 1
                        try:
                            connection.push(joined.worker_id, round_, gradient, joined.max_chunk_bytes, self.encoding)
                            self.pushed += 1
                        except grpc.RpcError as error:
                            if error.code() in SESSION_LOST or error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                                raise
                            # A refusal (stale, duplicate, invalid, too large) ends this round only.
                            self.refused += 1
                            log.warning('%s: push for round %d refused: %s %s', self.name, round_, error.code().name, error.details())
                        if on_round is not None:
                            on_round(self, round_, time.monotonic() - started)
                        want = round_ + 1
                except Cancelled:
                    break
                except grpc.RpcError as error:
                    if self._stopped:
                        break
                    if error.code() in FATAL_JOIN and connection.join_reply is None:
                        raise WorkerError(f'{self.name}: the server refused to let it join: {error.code().name} {error.details()}') from None
                    delay = backoff.delay()
                    log.warning('%s: %s %s; reconnecting in %.2f s', self.name, error.code().name, error.details(), delay)
                    sleep_unless(lambda: self._stopped, delay)
                finally:
                    self._connection = None
                    connection.close()
        return self.pushed


def create_attack_from(attack):
    if attack is None or not isinstance(attack, str):
        return attack
    from .attacks import parse_attack
    return parse_attack(attack)


def evaluate_model(model, loss_fn, data, classify=True):
    """(mean loss, accuracy or None) of the model on held-out batches (inputs, targets)."""
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in data:
            outputs = model(inputs)
            total_loss += float(loss_fn(outputs, targets)) * len(targets)
            if classify and outputs.dim() == 2:
                correct += int((outputs.argmax(dim=1) == targets).sum())
            count += len(targets)
    if count == 0:
        raise ValueError('no held-out example to evaluate on')
    return total_loss / count, (correct / count if classify else None)


class Evaluator(_Stoppable):
    """
    Follows θ with Observe (it never joins and never changes a round), evaluates it on held-out
    `data` every `every` rounds and reports loss and accuracy with ReportEvaluation, so they show
    in the server's byzps_eval_* metrics and the dashboard. `evaluate(model) → (loss, accuracy)`
    replaces the default (mean loss_fn, argmax accuracy) for other kinds of models.
    """

    def __init__(self, model, loss_fn, data, *, server='127.0.0.1:50051', name='evaluator', token=None, every=1,
                 evaluate=None, root_certificates=None, classify=True):
        self.model, self.server, self.name, self.token, self.every = model, server, name, token, max(1, every)
        self.root_certificates = root_certificates
        self.evaluate = evaluate or (lambda model: evaluate_model(model, loss_fn, data, classify))
        self.results = []

    def run(self, until_round=None, on_result=None, stall_seconds=None):
        """
        Evaluates until stop() or, with until_round, until θ of that round is evaluated; returns the
        last (round, loss, accuracy). With stall_seconds, training that makes no round for that long
        (every gradient refused, say, once θ has diverged) ends the run too, after evaluating the θ
        it stalled at; `stalled` tells.
        """
        backoff = Backoff()
        want = 0
        self.stalled = False
        progress = time.monotonic()
        with StopOnSignals(self.stop):
            while not self._stopped:
                connection = self._connection = Connection(self.server, self.token, self.root_certificates)
                try:
                    while not self._stopped:
                        try:
                            round_, theta = connection.observe(want, pull_wait_ms=10_000)
                        except grpc.RpcError as error:
                            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                                if stall_seconds is not None and time.monotonic() - progress > stall_seconds:
                                    if self.stalled or want == 0:
                                        return self.results[-1] if self.results else None
                                    self.stalled, want = True, 0  # θ of the round training is stuck in, then stop
                                continue
                            raise
                        progress = time.monotonic()
                        backoff.reset()
                        load_parameters(self.model, theta)
                        started = time.monotonic()
                        loss, accuracy = self.evaluate(self.model)
                        seconds = time.monotonic() - started
                        if not np.isfinite(loss):
                            log.warning('%s: θ of round %d has a non-finite loss; reported as 1e30', self.name, round_)
                            loss = 1e30
                        connection.report_evaluation(round_, loss, accuracy, seconds, self.name)
                        self.results.append((round_, loss, accuracy))
                        if on_result is not None:
                            on_result(round_, loss, accuracy)
                        if self.stalled or (until_round is not None and round_ >= until_round):
                            return self.results[-1]
                        want = round_ + self.every if until_round is None else min(round_ + self.every, until_round)
                except grpc.RpcError as error:
                    if self._stopped:
                        break
                    if error.code() in FATAL_JOIN:
                        raise WorkerError(f'{self.name}: the server refused its report: {error.code().name} {error.details()}') from None
                    delay = backoff.delay()
                    log.warning('%s: %s %s; reconnecting in %.2f s', self.name, error.code().name, error.details(), delay)
                    sleep_unless(lambda: self._stopped, delay)
                finally:
                    self._connection = None
                    connection.close()
        return self.results[-1] if self.results else None
