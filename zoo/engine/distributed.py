"""Data-parallel evaluation under torchrun: disjoint shards, merged metrics, rank 0 reports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1
    local_rank: int | None = None
    backend: str | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, indices: list[int]) -> list[int]:
        """Every rank-th sample: disjoint, nothing dropped, nothing padded (unlike DistributedSampler)."""
        return indices[self.rank::self.size]

    def gather(self, value: Any) -> list[Any]:
        """The value of every rank, in rank order (a list of one without torchrun)."""
        if self.size == 1:
            return [value]
        import torch.distributed as dist

        gathered: list[Any] = [None] * self.size
        dist.all_gather_object(gathered, value)
        return gathered


def current_world(device: str = "auto") -> World:
    """Join the process group torchrun describes in the environment (once), or run alone."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    import torch
    import torch.distributed as dist

    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        use_nccl = device != "cpu" and torch.cuda.is_available()
        if use_nccl:
            torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl" if use_nccl else "gloo")
    return World(dist.get_rank(), dist.get_world_size(), local_rank, dist.get_backend())
