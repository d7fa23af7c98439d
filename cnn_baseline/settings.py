"""What decides a trained ResNet50, in plain values (no torch import): the training settings,
the augmentation ranges, and the choices of weights and device."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

WEIGHTS = ("none", "imagenet")
DEVICES = ("auto", "cpu", "cuda", "mps")
# A grouped (by signer) evaluation trains one ResNet50 per fold: five folds of two signers fit a CPU
# budget far better than ten of one.
SIGNER_FOLDS = 5


@dataclass(frozen=True)
class Augmentation:
    """Ranges of the random changes applied to each training image (uniform in +-range)."""

    rotation_degrees: float = 10.0
    shift: float = 0.08  # fraction of the image side
    scale: float = 0.1
    brightness: float = 0.2
    contrast: float = 0.2


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides the trained network, as in torchvision's reference flags."""

    weights: str = "none"
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    img_size: int = 32
    seed: int = 0
    amp: bool = True  # bfloat16 autocast where the device supports it
    augmentation: Augmentation = field(default_factory=Augmentation)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainSettings":
        return cls(**{**d, "augmentation": Augmentation(**d["augmentation"])})
