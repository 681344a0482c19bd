"""Fine-tuning e5's top layers (issue 12): the pieces that decide what is trained and served,
checked without loading the model or training."""
from __future__ import annotations

import numpy as np
import torch

from matching import e5_file, train
from matching.finetune import fake_quant, training_pairs


def test_fake_quantisation_is_exactly_what_the_4bit_file_holds_with_a_straight_through_gradient():
    weight = torch.randn(4, 64, generator=torch.Generator().manual_seed(1)) * 0.05
    weight[0, :32] = 0.0  # an all-zero block stays zero
    weight.requires_grad_(True)
    served = fake_quant(weight)
    packed = e5_file.dequantise_q4_0(e5_file.quantise_q4_0(weight.detach().numpy()), weight.numel())
    assert np.array_equal(served.detach().numpy().reshape(-1), packed)
    assert not torch.equal(served.detach(), weight.detach())  # it does round
    # values already on the 4-bit grid are re-packed to the same bytes (nothing lost on export)
    again = e5_file.quantise_q4_0(packed)
    assert again[18:] == e5_file.quantise_q4_0(weight.detach().numpy())[18:]  # (block 0: a scale of +0 or -0)
    assert np.array_equal(e5_file.dequantise_q4_0(again, weight.numel()), packed)
    (served * torch.arange(weight.numel()).reshape(weight.shape)).sum().backward()
    assert torch.equal(weight.grad, torch.arange(weight.numel(), dtype=torch.float32).reshape(weight.shape))


def test_pairs_join_a_title_to_its_own_lists_name_and_a_name_to_another_language():
    # concept 0: title (list 0), names in lists 0, 1, 2; concept 1: a lone title; concept 2: names of list 1 only
    concepts = np.array([0, 0, 0, 0, 1, 2, 2])
    lists = np.array([0, 0, 1, 2, 0, 1, 1])
    is_query = np.array([True, False, False, False, True, False, False])
    for seed in range(5):
        pairs = training_pairs(concepts, lists, is_query, np.random.default_rng(seed))
        partner = dict(map(tuple, pairs.tolist()))
        assert set(partner) == {0, 1, 2, 3, 5, 6}  # the lone title has no partner
        assert partner[0] == 1  # title -> the ESCO name of its own list
        for name in (1, 2, 3):
            assert concepts[partner[name]] == 0 and lists[partner[name]] != lists[name]
        assert partner[5] == 6 and partner[6] == 5  # no other language: another name of the concept
        assert all(a != b for a, b in pairs.tolist())


def test_train_reaches_the_finetune_mode_and_refuses_a_wrong_output_name(capsys):
    assert train.main(["--mode", "finetune", "--out", "matching/adapters/ft-x.npz"]) == 2
    assert "--out must end in .patch" in capsys.readouterr().err


def test_cross_titles_pair_a_share_of_titles_with_a_name_in_another_language():
    # concept 0: titles in lists 0 and 1, names in lists 0 (de), 1 (de, another German list), 2 (pl)
    concepts = np.array([0, 0, 0, 0, 0, 1, 1])
    lists = np.array([0, 1, 0, 1, 2, 0, 0])
    languages = np.array([0, 0, 0, 0, 1, 0, 0])
    is_query = np.array([True, True, False, False, False, True, False])
    plain = training_pairs(concepts, lists, is_query, np.random.default_rng(3))
    same = training_pairs(concepts, lists, is_query, np.random.default_rng(3), 0.0, languages)
    assert np.array_equal(plain, same)  # share 0 is ft-v1's recipe, bit for bit
    for seed in range(5):
        partner = dict(map(tuple, training_pairs(concepts, lists, is_query, np.random.default_rng(seed),
                                                 1.0, languages).tolist()))
        assert partner[0] == 4 and partner[1] == 4  # the Polish name, never the other German list's
        assert partner[5] == 6  # no name in another language: its own list's name
    crossed = [dict(map(tuple, training_pairs(concepts, lists, is_query, np.random.default_rng(seed),
                                              0.5, languages).tolist()))[0] == 4 for seed in range(200)]
    assert 60 < sum(crossed) < 140


def test_language_of_reads_the_names_language_from_the_list_folder():
    from matching.finetune import language_of

    assert language_of("deu_q_de_c_de") == "de" == language_of("aut_q_de_c_de")
    assert language_of("bel_q_fr_c_fr") == "fr"
    assert language_of("odd") == "odd"


def test_finetune_refuses_a_cross_share_outside_0_to_1(capsys):
    assert train.main(["--mode", "finetune", "--cross-titles", "1.5"]) == 2
    assert "--cross-titles must be within [0, 1]" in capsys.readouterr().err
