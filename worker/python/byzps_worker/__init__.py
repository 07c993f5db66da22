"""byzps_worker: PyTorch workers and evaluators for the byzps parameter server.

    from byzps_worker import Worker, Evaluator, save_initial_parameters

The server knows nothing of the model: `byzps ps --task external --initial-parameters theta0.npy`
takes d and θ₀ from save_initial_parameters(model, 'theta0.npy') and keeps the optimizer. See
worker/python/README.md.
"""
from .attacks import create_attack, parse_attack
from .model import flat_gradient, flat_parameters, load_parameters, save_initial_parameters
from .worker import Evaluator, Worker, WorkerError, evaluate_model

__all__ = ['Worker', 'Evaluator', 'WorkerError', 'evaluate_model', 'save_initial_parameters', 'flat_parameters', 'load_parameters',
           'flat_gradient', 'create_attack', 'parse_attack']
