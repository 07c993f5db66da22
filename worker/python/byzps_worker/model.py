"""θ as the protocol carries it and a torch.nn.Module's parameters: θ is the concatenation of
model.parameters() in their order, each flattened (torch.nn.utils.parameters_to_vector). Buffers
(BatchNorm's running statistics) are not part of θ and stay local to each process."""
import numpy as np
import torch


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def flat_parameters(model):
    """θ of the model as a float32 numpy vector."""
    with torch.no_grad():
        return torch.nn.utils.parameters_to_vector([p.detach().float() for p in model.parameters()]).cpu().numpy().astype(np.float32)


def load_parameters(model, theta):
    """Writes θ (a float32 vector of length d) into the model's parameters."""
    d = parameter_count(model)
    if len(theta) != d:
        raise ValueError(f'the server trains d={len(theta)} parameters, the model has {d}: give the server θ₀ of this model (save_initial_parameters)')
    first = next(model.parameters())
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.from_numpy(np.asarray(theta, dtype=np.float32)).to(device=first.device, dtype=first.dtype), model.parameters())


def flat_gradient(model):
    """∂loss/∂θ after backward(), as a float32 numpy vector (zeros for parameters without a gradient)."""
    parts = [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().reshape(-1).float() for p in model.parameters()]
    return torch.cat(parts).cpu().numpy().astype(np.float32)


def save_initial_parameters(model, path):
    """Writes θ₀ of the model as the 1-D float32 .npy file `byzps ps --task external --initial-parameters` reads."""
    np.save(path, flat_parameters(model))
    return path
