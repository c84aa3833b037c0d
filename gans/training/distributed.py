"""Data-parallel training under ``torchrun --nproc_per_node N`` (nccl on GPUs, gloo on CPU).

Models own their D/G update order (n_critic, clipping, gradient penalty with double backward), which does not fit
``DistributedDataParallel``'s one-forward-one-backward hooks. So we do what DDP does, explicitly: every rank starts
from rank 0's weights, gradients are averaged across ranks right before each optimizer step (an optimizer
step pre-hook), and buffers (batch-norm statistics) are broadcast from rank 0 after every step. Each rank
sees its own slice of every global batch. The result: identical weights on every rank.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass
class DistributedContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> "DistributedContext":
        """Read torchrun's RANK / WORLD_SIZE / LOCAL_RANK; start the process group when there are several ranks."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        context = cls(int(os.environ.get("RANK", "0")), world_size, int(os.environ.get("LOCAL_RANK", "0")))
        if context.enabled and not dist.is_initialized():
            backend = "nccl" if torch.cuda.is_available() else "gloo"
            if backend == "nccl":
                torch.cuda.set_device(context.local_rank)
            dist.init_process_group(backend)
        return context

    def device_name(self, requested: str) -> str:
        """With several ranks on GPUs, each rank takes its own GPU."""
        if self.enabled and requested in ("auto", "cuda") and torch.cuda.is_available():
            return f"cuda:{self.local_rank}"
        return requested

    # ---- synchronisation
    def broadcast_module(self, module: torch.nn.Module) -> None:
        """Copy rank 0's parameters and buffers to every rank."""
        if self.enabled:
            _flat_apply(list(module.state_dict().values()), lambda flat: dist.broadcast(flat, src=0))

    def broadcast_buffers(self, module: torch.nn.Module) -> None:
        if self.enabled:
            _flat_apply([b for b in module.buffers() if b.is_floating_point()],
                        lambda flat: dist.broadcast(flat, src=0))

    def average_gradients_before_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Register a hook that averages the gradients of ``optimizer``'s parameters across ranks before it steps."""
        if not self.enabled:
            return
        world_size = self.world_size

        def hook(opt, args, kwargs):
            grads = [p.grad for group in opt.param_groups for p in group["params"] if p.grad is not None]

            def reduce(flat):
                dist.all_reduce(flat)
                flat.div_(world_size)

            _flat_apply(grads, reduce)

        optimizer.register_step_pre_hook(hook)

    def any(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is true on any rank (stop and divergence are decided together)."""
        if not self.enabled:
            return bool(flag)
        tensor = torch.tensor([1 if flag else 0], dtype=torch.int32, device=self._collective_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def gather(self, value) -> list:
        """Every rank's ``value``, in rank order (a list of one outside torchrun)."""
        if not self.enabled:
            return [value]
        values = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def _collective_device(self) -> torch.device:
        return torch.device("cuda", self.local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")

    def agree(self, value):
        """Rank 0's ``value`` on every rank (e.g. a run directory name made from the clock)."""
        if not self.enabled:
            return value
        box = [value]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def shutdown(self) -> None:
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()


def _flat_apply(tensors: list[torch.Tensor], operation) -> None:
    """Run a collective ``operation`` once on all ``tensors`` flattened together (one message, not hundreds)."""
    by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
    for tensor in tensors:
        by_dtype.setdefault(tensor.dtype, []).append(tensor)
    for group in by_dtype.values():
        flat = torch.cat([t.detach().reshape(-1) for t in group])
        operation(flat)
        offset = 0
        for tensor in group:
            tensor.detach().copy_(flat[offset : offset + tensor.numel()].view_as(tensor))
            offset += tensor.numel()


def weights_fingerprint(module: torch.nn.Module) -> str:
    """SHA-256 of every tensor in the state dict, in key order: equal fingerprints = identical weights."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()
