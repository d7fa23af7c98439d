"""Batches of uint8 greyscale images -> the network's normalised input, with light augmentation."""

from __future__ import annotations

import math
import torch
import torch.nn.functional as F

from asl.cnn_baseline.settings import Augmentation


def to_input(images: torch.Tensor, img_size: int, mean: float, std: float) -> torch.Tensor:
    """(N, H, W) uint8 -> (N, 1, img_size, img_size) float, resized bilinearly and normalised."""
    x = images.float().div_(255).unsqueeze(1)
    if x.shape[-1] != img_size or x.shape[-2] != img_size:
        x = F.interpolate(x, size=(img_size, img_size), mode="bilinear", align_corners=False)
    return (x - mean) / std


def to_augmented_input(images: torch.Tensor, img_size: int, mean: float, std: float,
                       augmentation: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Like ``to_input`` after a random rotation, shift, scale, brightness and contrast per image,
    drawn from ``generator`` (same generator state, same batch)."""
    n = len(images)
    x = images.float().div_(255).unsqueeze(1)

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator) * 2 - 1

    angle = uniform(n) * math.radians(augmentation.rotation_degrees)
    scale = 1 + uniform(n) * augmentation.scale
    shift = uniform(n, 2) * augmentation.shift * 2  # grid coordinates span [-1, 1]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, [n, 1, img_size, img_size], align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    contrast = (1 + uniform(n) * augmentation.contrast).view(n, 1, 1, 1)
    brightness = (uniform(n) * augmentation.brightness).view(n, 1, 1, 1)
    centre = x.mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - centre) * contrast + centre + brightness).clamp_(0, 1)
    return (x - mean) / std
