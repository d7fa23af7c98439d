"""Drawing a hand's landmarks and a label onto an image."""

from __future__ import annotations

import cv2
import numpy as np

from asl.landmarks.image import as_rgb

# MediaPipe's 21-point hand skeleton: the thumb and four fingers from the wrist, and the palm.
HAND_CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (17, 18), (18, 19), (19, 20), (0, 17),
)


def draw_hand(image: np.ndarray, landmarks: np.ndarray | None, label: str) -> np.ndarray:
    """An RGB copy of ``image`` with the 21 landmarks (in its pixels) joined as a hand, if any,
    and ``label`` written in its top-left corner."""
    out = as_rgb(image).copy()
    side = max(out.shape[:2])
    thick = max(1, side // 200)
    if landmarks is not None:
        points = np.round(np.asarray(landmarks)[:, :2]).astype(np.int32)
        for a, b in HAND_CONNECTIONS:
            cv2.line(out, tuple(map(int, points[a])), tuple(map(int, points[b])), (0, 255, 0), thick, cv2.LINE_AA)
        for x, y in points:
            cv2.circle(out, (int(x), int(y)), 2 * thick, (255, 0, 0), -1, cv2.LINE_AA)
    scale = max(0.4, side / 500)
    (w, h), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.rectangle(out, (0, 0), (w + 8, h + base + 8), (0, 0, 0), -1)
    cv2.putText(out, label, (4, h + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out
