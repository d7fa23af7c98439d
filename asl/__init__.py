"""asl: read ASL fingerspelling letters from images via hand landmarks."""

__version__ = "0.1.0"
