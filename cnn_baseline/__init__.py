"""ResNet50 baseline on the pixels: arrays of greyscale images in, letters out."""

from cnn_baseline.augment import Augmentation
from cnn_baseline.classifier import DEVICES, EpochStats, ResNetClassifier, TrainSettings
from cnn_baseline.model import WEIGHTS, WeightsUnavailable, imagenet_weights_path, make_resnet50

__all__ = ["Augmentation", "DEVICES", "EpochStats", "ResNetClassifier", "TrainSettings", "WEIGHTS",
           "WeightsUnavailable", "imagenet_weights_path", "make_resnet50"]
