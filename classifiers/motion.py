"""J and Z, the two letters that are motions: read from a fingertip's path.

J is the I handshape (little finger out, the others folded) whose little fingertip draws a hook:
down, then sideways. Z is the index finger (the others folded) drawing a Z: a sideways stroke, a
diagonal back and down, and a sideways stroke the first one's way. Paths are in units of the hand's
size (wrist to middle knuckle, the median over the motion) and resampled by arc length, so neither
the hand's size in the frame nor the speed of the motion matters; the sideways direction is left
free, so a mirrored video or a left hand reads the same. A hand that only holds I or the index
finger out draws no such path, and a path drawn with another handshape is not J or Z.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

WRIST, MIDDLE_KNUCKLE, INDEX_TIP, PINKY_TIP = 0, 9, 8, 20
FINGERS = ((8, 6), (12, 10), (16, 14), (20, 18))  # (tip, middle joint) of the index, middle, ring and little fingers
SHAPES = {"J": 3, "Z": 0}  # the finger held out for each motion letter: little (3) or index (0)
TIPS = {"J": PINKY_TIP, "Z": INDEX_TIP}


@dataclass(frozen=True)
class MotionSettings:
    """Thresholds of the path rules, in hand sizes (wrist to middle knuckle)."""

    extended: float = 1.1  # a finger is out when its tip is this much farther from the wrist than its middle joint
    folded: float = 0.95  # ... and folded when at most this
    stroke: float = 0.8  # Z: each stroke's sideways length at least
    drop: float = 1.0  # J: how far down the little fingertip goes at least
    hook: float = 0.4  # J: how far sideways it turns at least
    points: int = 32  # the path is resampled to this many points
    shape_share: float = 0.6  # the share of a motion's frames that must show the letter's handshape


MOTION = MotionSettings()


@dataclass(frozen=True)
class Motion:
    """A motion letter found in a stretch of frames: its letter, the times its path starts and ends
    (seconds) and how far its path cleared the rules (1 = exactly at the thresholds)."""

    letter: str
    start: float
    end: float
    score: float


def finger_extension(landmarks: np.ndarray) -> np.ndarray:
    """For each hand (..., 21, >=2) the index, middle, ring and little fingers' tip-to-wrist
    distance over their middle joint's: about 1.3 for a finger held out, under 0.9 folded."""
    xy = np.asarray(landmarks, dtype=np.float64)[..., :2]
    wrist = xy[..., WRIST, :]
    tips = np.stack([np.linalg.norm(xy[..., t, :] - wrist, axis=-1) for t, _ in FINGERS], axis=-1)
    joints = np.stack([np.linalg.norm(xy[..., j, :] - wrist, axis=-1) for _, j in FINGERS], axis=-1)
    return tips / np.maximum(joints, 1e-6)


def shows_shape(landmarks: np.ndarray, letter: str, settings: MotionSettings = MOTION) -> np.ndarray:
    """Per hand: whether it shows ``letter``'s handshape (only its finger out of the four)."""
    ext = finger_extension(landmarks)
    out = SHAPES[letter]
    others = np.delete(ext, out, axis=-1)
    return (ext[..., out] >= settings.extended) & (others.max(axis=-1) <= settings.folded)


def hand_size(landmarks: np.ndarray) -> float:
    """The median wrist-to-middle-knuckle distance of hands (n, 21, >=2)."""
    xy = np.asarray(landmarks, dtype=np.float64)[..., :2]
    return float(np.median(np.linalg.norm(xy[..., MIDDLE_KNUCKLE, :] - xy[..., WRIST, :], axis=-1)))


def resample(path: np.ndarray, times: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points evenly spaced along ``path`` (m, 2) by arc length, with their times."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    if along[-1] <= 0:
        return np.repeat(path[:1], n, axis=0), np.full(n, times[0])
    at = np.linspace(0, along[-1], n)
    points = np.stack([np.interp(at, along, path[:, k]) for k in range(2)], axis=1)
    return points, np.interp(at, along, times)


def read_motion(times: np.ndarray, landmarks: np.ndarray, settings: MotionSettings = MOTION) -> Motion | None:
    """The J or Z drawn in these frames (times (n,), landmarks (n, 21, 3) of one hand, in order),
    or None. Where both rules hold, the one cleared by more."""
    times = np.asarray(times, dtype=np.float64)
    landmarks = np.asarray(landmarks, dtype=np.float64)
    if len(times) < 4:
        return None
    size = hand_size(landmarks)
    if not size > 0:
        return None
    found = [m for m in (_read_z(times, landmarks, size, settings), _read_j(times, landmarks, size, settings)) if m]
    return max(found, key=lambda m: m.score) if found else None


def _path(letter: str, times, landmarks, size, settings):
    path = landmarks[:, TIPS[letter], :2] / size
    return resample(path, times, settings.points)


def _share(letter: str, times, landmarks, start: float, end: float, settings) -> float:
    inside = (times >= start) & (times <= end)
    if not inside.any():
        return 0.0
    return float(shows_shape(landmarks[inside], letter, settings).mean())


def _strokes(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of the stroke from every point to every later one (n, n); NaN where not later."""
    d = points[None, :, :] - points[:, None, :]
    later = np.triu(np.ones((len(points), len(points)), bool), 1)
    return np.where(later, d[..., 0], np.nan), np.where(later, d[..., 1], np.nan)


def _read_z(times, landmarks, size, settings) -> Motion | None:
    points, at = _path("Z", times, landmarks, size, settings)
    dx, dy = _strokes(points)
    with np.errstate(invalid="ignore"):
        flat = np.abs(dy) <= 0.6 * np.abs(dx)
        diagonal = dy >= 0.5 * np.abs(dx)  # downwards: image y grows down
        best = None
        for side in (1.0, -1.0):
            sideways = np.where(flat & (side * dx > 0), np.abs(dx), 0.0)  # strokes 1 and 3, this way
            back = np.where(diagonal & (side * dx < 0), np.minimum(np.abs(dx), dy), 0.0)  # stroke 2
            first, last = sideways.max(axis=0), sideways.max(axis=1)  # best stroke 1 ending at j, stroke 3 from k
            score = np.minimum(np.minimum(first[:, None], back), last[None, :])
            j, k = np.unravel_index(np.nanargmax(score), score.shape)
            if best is None or score[j, k] > best[0]:
                best = (score[j, k], int(np.argmax(sideways[:, j])), int(np.argmax(sideways[k, :])))
    score, i, l = best[0] / settings.stroke, best[1], best[2]
    if not score >= 1 or _share("Z", times, landmarks, at[i], at[l], settings) < settings.shape_share:
        return None
    return Motion("Z", float(at[i]), float(at[l]), float(score))


def _read_j(times, landmarks, size, settings) -> Motion | None:
    points, at = _path("J", times, landmarks, size, settings)
    dx, dy = _strokes(points)
    with np.errstate(invalid="ignore"):
        down = np.where((dy >= settings.drop) & (np.abs(dx) <= 0.8 * dy), dy / settings.drop, 0.0)
        hook = np.where((np.abs(dx) >= settings.hook) & (dy <= 0.3), np.abs(dx) / settings.hook, 0.0)
    first, then = down.max(axis=0), hook.max(axis=1)  # best drop ending at j, best hook from j
    score = np.minimum(first, then)
    j = int(np.argmax(score))
    if not score[j] >= 1:
        return None
    i, k = int(np.argmax(down[:, j])), int(np.argmax(hook[j, :]))
    # the I handshape where the hook starts: the first third of the downward stroke
    if _share("J", times, landmarks, at[i], at[i] + (at[j] - at[i]) / 3, settings) < settings.shape_share:
        return None
    return Motion("J", float(at[i]), float(at[k]), float(score[j]))
