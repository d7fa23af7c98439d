"""``ResNetClassifier``: ResNet50 letters from (N, H, W) uint8 greyscale images, fit/predict style."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from asl.cnn_baseline.augment import to_augmented_input, to_input
from asl.cnn_baseline.model import IMAGENET_GREY_MEAN, IMAGENET_GREY_STD, make_resnet50
from asl.cnn_baseline.settings import DEVICES, TrainSettings


class DeviceUnavailable(ValueError):
    """The device asked for does not exist on this machine."""


@dataclass
class EpochStats:
    """What ``fit`` reports after each batch and keeps per epoch."""

    epoch: int
    images: int
    total: int
    loss: float
    accuracy: float
    seconds: float


def resolve_device(device: str) -> torch.device:
    """``auto``: CUDA, else MPS, else CPU; an explicit device must exist."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if device == "auto":
        device = "cuda" if cuda else "mps" if mps else "cpu"
    if (device == "cuda" and not cuda) or (device == "mps" and not mps):
        raise DeviceUnavailable(f"{device} is not available on this machine; use cpu or auto")
    return torch.device(device)


def autocast_enabled(device: torch.device, amp: bool) -> bool:
    """bfloat16 autocast on CUDA, and on CPUs with native bfloat16 (slower than float32 elsewhere)."""
    if not amp:
        return False
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and torch.ops.mkldnn._is_mkldnn_bf16_supported()


class ResNetClassifier:
    """ResNet50 on greyscale images with letter labels.

    ``fit`` learns ``classes_``, ``mean_``, ``std_`` (input normalisation) and ``network_``;
    ``history_`` holds one ``EpochStats`` per epoch. Same settings, seed and device: same network.
    """

    def __init__(self, settings: TrainSettings | None = None, device: str = "auto") -> None:
        self.settings = settings or TrainSettings()
        self.device = device

    # -- training -------------------------------------------------------------------------------
    def fit(
        self,
        images: np.ndarray,
        letters: np.ndarray,
        sample_weight: np.ndarray | None = None,
        on_batch: Callable[[EpochStats], None] | None = None,
        on_epoch: Callable[[dict], None] | None = None,
        resume: dict | None = None,
    ) -> "ResNetClassifier":
        """Train on (N, H, W) uint8 ``images``. With ``sample_weight``, each epoch draws its N
        images with replacement, each with probability proportional to its weight (so an image of
        weight 3 is seen three times as often as one of weight 1, on average); without, every image
        once. ``on_epoch`` gets a checkpoint (``training_state()``) after each epoch; ``resume``
        continues from such a checkpoint."""
        s = self.settings
        weights = None
        if sample_weight is not None:
            weights = torch.as_tensor(np.asarray(sample_weight, dtype=np.float64))
            if weights.shape != (len(images),) or not torch.isfinite(weights).all() or (weights < 0).any() \
                    or weights.sum() <= 0:
                raise ValueError(f"sample_weight must be {len(images)} finite weights >= 0, not all 0")
        device = resolve_device(self.device)
        self._seed_everything(s.seed, device)
        self.classes_ = np.array(sorted(set(letters.tolist())), dtype=object)
        if s.weights == "imagenet":
            self.mean_, self.std_ = IMAGENET_GREY_MEAN, IMAGENET_GREY_STD
        else:
            self.mean_, self.std_ = float(images.mean() / 255), float(images.std() / 255)
        self.network_ = make_resnet50(len(self.classes_), s.weights).to(device, memory_format=torch.channels_last)
        targets = torch.as_tensor(np.searchsorted(self.classes_, letters))
        pixels = torch.as_tensor(images)
        steps = len(pixels) // s.batch_size  # full batches only: BatchNorm needs more than one image
        if steps == 0:
            raise ValueError(f"{len(pixels)} images are fewer than one batch of {s.batch_size}")
        optimizer = torch.optim.SGD(self.network_.parameters(), lr=s.lr, momentum=s.momentum, nesterov=True,
                                    weight_decay=s.weight_decay)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=s.lr, epochs=s.epochs,
                                                        steps_per_epoch=steps, pct_start=0.25)
        generator = torch.Generator().manual_seed(s.seed)
        self.history_: list[EpochStats] = []
        start = 0
        if resume is not None:
            self.network_.load_state_dict(resume["network"])
            optimizer.load_state_dict(resume["optimizer"])
            scheduler.load_state_dict(resume["scheduler"])
            generator.set_state(resume["generator"])
            self.history_ = [EpochStats(**h) for h in resume["history"]]
            start = resume["epoch"]
        autocast = autocast_enabled(device, s.amp)
        for epoch in range(start, s.epochs):
            self.network_.train()
            order = (torch.randperm(len(pixels), generator=generator) if weights is None
                     else torch.multinomial(weights, len(pixels), replacement=True, generator=generator))
            seen = correct = 0
            loss_sum = 0.0
            started = time.perf_counter()
            for step in range(steps):
                index = order[step * s.batch_size:(step + 1) * s.batch_size]
                x = to_augmented_input(pixels[index], s.img_size, self.mean_, self.std_, s.augmentation, generator)
                x = x.to(device, memory_format=torch.channels_last)
                y = targets[index].to(device)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                    logits = self.network_(x)
                    loss = F.cross_entropy(logits, y, label_smoothing=s.label_smoothing)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                seen += len(y)
                loss_sum += float(loss.detach()) * len(y)
                correct += int((logits.argmax(1) == y).sum())
                stats = EpochStats(epoch + 1, seen, steps * s.batch_size, loss_sum / seen, correct / seen,
                                   time.perf_counter() - started)
                if on_batch:
                    on_batch(stats)
            self.history_.append(stats)
            if on_epoch:
                on_epoch({"epoch": epoch + 1, "network": self.network_.state_dict(),
                          "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                          "generator": generator.get_state(), "history": [asdict(h) for h in self.history_]})
        self.network_.eval()
        return self

    @staticmethod
    def _seed_everything(seed: int, device: torch.device) -> None:
        torch.manual_seed(seed)
        if device.type == "cuda":  # deterministic cuBLAS also needs CUBLAS_WORKSPACE_CONFIG, set by the caller
            torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)

    # -- inference ------------------------------------------------------------------------------
    @torch.inference_mode()
    def predict_proba(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """(N, len(classes_)) letter probabilities for (N, H, W) uint8 images."""
        device = next(self.network_.parameters()).device
        autocast = autocast_enabled(device, self.settings.amp)
        out = []
        for start in range(0, len(images), batch_size):
            x = to_input(torch.as_tensor(images[start:start + batch_size]), self.settings.img_size,
                         self.mean_, self.std_).to(device, memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                out.append(torch.softmax(self.network_(x).float(), dim=1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, len(self.classes_)), dtype=np.float32)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The most probable letter for each image."""
        return self.classes_[self.predict_proba(images).argmax(axis=1)]

    # -- saving -----------------------------------------------------------------------------------
    def state(self) -> dict:
        """Plain tensors and types only (loadable with ``torch.load(weights_only=True)``)."""
        return {"settings": self.settings.as_dict(), "classes": self.classes_.tolist(), "mean": self.mean_,
                "std": self.std_, "network": self.network_.state_dict(),
                "history": [asdict(h) for h in self.history_]}

    @classmethod
    def from_state(cls, state: dict, device: str = "cpu") -> "ResNetClassifier":
        """The fitted classifier saved by ``state()``, on ``device``, ready to predict."""
        model = cls(TrainSettings.from_dict(state["settings"]), device)
        model.classes_ = np.array(state["classes"], dtype=object)
        model.mean_, model.std_ = state["mean"], state["std"]
        model.history_ = [EpochStats(**h) for h in state["history"]]
        model.network_ = make_resnet50(len(model.classes_), "none")
        model.network_.load_state_dict(state["network"])
        model.network_.to(resolve_device(device), memory_format=torch.channels_last).eval()
        return model
