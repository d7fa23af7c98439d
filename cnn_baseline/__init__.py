"""ResNet50 baseline on the pixels (issue 3)."""
