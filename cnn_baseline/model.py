"""torchvision's ResNet50 with a one-channel (greyscale) stem and a letter head."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from asl.cnn_baseline.settings import WEIGHTS

# ImageNet's per-channel statistics averaged over RGB: the input statistics of a grey image
# fed to the summed stem below.
IMAGENET_GREY_MEAN, IMAGENET_GREY_STD = 0.449, 0.226


class WeightsUnavailable(RuntimeError):
    """ImageNet weights are neither in the torch cache nor downloadable."""


def imagenet_weights_path() -> Path:
    """Where torchvision caches (and looks for) ResNet50's ImageNet weights."""
    from torchvision.models import ResNet50_Weights

    return Path(torch.hub.get_dir()) / "checkpoints" / Path(ResNet50_Weights.IMAGENET1K_V2.url).name


def make_resnet50(num_classes: int, weights: str = "none") -> nn.Module:
    """ResNet50 taking (N, 1, H, W) greyscale input with ``num_classes`` outputs.

    The stem's RGB kernels are summed into one grey kernel: for a grey image this is exactly
    the network applied to the image replicated into three channels, at a third of the cost.
    ``weights="imagenet"`` loads torchvision's IMAGENET1K_V2 weights (from the torch cache, or
    downloaded as torchvision does); ``"none"`` initialises at random (seed torch first).
    """
    from torchvision.models import ResNet50_Weights, resnet50

    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; choose one of {', '.join(WEIGHTS)}")
    if weights == "imagenet":
        try:
            model = resnet50(weights=ResNet50_Weights.IMAGENET1K_V2, progress=False)
        except (OSError, RuntimeError) as e:  # URLError is an OSError; a bad cached file a RuntimeError
            raise WeightsUnavailable(
                f"ResNet50 ImageNet weights are not in the torch cache ({imagenet_weights_path()}) and "
                f"could not be downloaded ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
            ) from None
    else:
        model = resnet50(weights=None)
    rgb = model.conv1
    grey = nn.Conv2d(1, rgb.out_channels, kernel_size=rgb.kernel_size, stride=rgb.stride,
                     padding=rgb.padding, bias=False)
    with torch.no_grad():
        grey.weight.copy_(rgb.weight.sum(dim=1, keepdim=True))
    model.conv1 = grey
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
