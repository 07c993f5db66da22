"""byzps_worker: PyTorch workers and evaluators for the byzps parameter server.

    from byzps_worker import Worker, Evaluator, save_initial_parameters

The server knows nothing of the model: `byzps ps --task external --initial-parameters theta0.npy`
takes d and θ₀ from save_initial_parameters(model, 'theta0.npy') and keeps the optimizer. See
worker/python/README.md. Names are imported on first use, so byzps_worker.attacks needs numpy only.
"""
import importlib

_EXPORTS = {
    'Worker': 'worker', 'Evaluator': 'worker', 'WorkerError': 'worker', 'evaluate_model': 'worker',
    'save_initial_parameters': 'model', 'flat_parameters': 'model', 'load_parameters': 'model', 'flat_gradient': 'model',
    'create_attack': 'attacks', 'parse_attack': 'attacks',
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(importlib.import_module(f'.{_EXPORTS[name]}', __name__), name)
