"""ResNet50 baseline on the pixels: arrays of greyscale images in, letters out.

Names are imported when first used: the settings and choices (``asl.cnn_baseline.settings``)
do not import torch."""

from importlib import import_module

_EXPORTS = {
    "Augmentation": "asl.cnn_baseline.settings", "DEVICES": "asl.cnn_baseline.settings",
    "TrainSettings": "asl.cnn_baseline.settings", "WEIGHTS": "asl.cnn_baseline.settings",
    "EpochStats": "asl.cnn_baseline.classifier", "DeviceUnavailable": "asl.cnn_baseline.classifier", "ResNetClassifier": "asl.cnn_baseline.classifier",
    "WeightsUnavailable": "asl.cnn_baseline.model", "imagenet_weights_path": "asl.cnn_baseline.model",
    "make_resnet50": "asl.cnn_baseline.model",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
