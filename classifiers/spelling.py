"""From per-frame letter probabilities and landmarks to spelled letters: holds, double letters, J, Z.

A letter is *held* when the hand is still (its palm moves less than ``still`` hand spans a second,
averaged over ``smooth`` seconds; a span is the side of the landmarks' bounding box) and one letter leads the probabilities (averaged over the same
window) for at least ``min_hold`` seconds with a mean probability of at least ``min_probability``.
A new letter leading while the hand stays still is a new letter only when the handshape changed too
(some landmark moved at least ``min_change`` hand sizes against the run so far); otherwise it is the
forest wavering between two readings of one handshape (U and R, held at 0.5-0.6), and the letter
held stays. Frames in between, where the hand moves or the letter changes, are transitions and give no letter,
unless their fingertip path is a J or a Z (``classifiers.motion``). The same letter held twice is
two letters (the LL of ALL) only when the palm moved at least ``repeat_speed`` hand spans a second
between the two holds (the small bounce or slide signers make) or the hand was gone for
``max_gap`` seconds; otherwise it is one letter held a little unsteadily. A hold of a motion
letter's own handshape just before or after it (the I a J starts from, the index finger a Z ends
on) belongs to that motion letter.

``Speller`` reads frames one at a time (a camera) and hands out each letter once it is final: a hold
when the motion after it has been read (at the next hold, or at the end).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from asl.classifiers.motion import MOTION, MotionSettings, read_motion, shows_shape
from asl.landmarks.result import PALM
from asl.landmarks.shape import from_wrist


@dataclass(frozen=True)
class SpellSettings:
    smooth: float = 0.2  # seconds of probabilities and palm speed averaged
    still: float = 0.6  # hand spans a second
    min_hold: float = 0.3  # seconds
    min_probability: float = 0.2
    repeat_speed: float = 5.0  # hand spans a second, at the fastest, between two holds of one letter
    max_gap: float = 1.0  # seconds without a hand that part two holds of one letter
    # Hand sizes (wrist to middle knuckle) some landmark must move for a letter change in place: half
    # the smallest distance between two letters' shapes of one signer in ASL-HG (M and N, 0.30; then
    # S and T 0.32, U and V 0.36, R and U 0.40; the median over signers of the largest landmark
    # distance between their median shapes). One hand held still moves 0.02-0.05 (median, dev words).
    min_change: float = 0.15
    motion: MotionSettings = MOTION


SPELLING = SpellSettings()


@dataclass(frozen=True)
class SpelledLetter:
    """One letter read: when it started and ended (seconds), its probability (a hold's mean
    probability; for J and Z how far the path cleared the rules, capped at 1) and ``how``:
    ``held`` or ``motion``."""

    letter: str
    start: float
    end: float
    probability: float
    how: str = "held"

    def as_json(self) -> dict:
        return {"letter": self.letter, "start": round(self.start, 3), "end": round(self.end, 3),
                "probability": round(self.probability, 4), "how": self.how}


@dataclass
class _Run:
    """Consecutive still frames with one leading letter (a hold once long and sure enough)."""

    letter: int
    start: float
    frames: list = field(default_factory=list)  # (time, smoothed probabilities, landmarks)
    challenger: int | None = None
    challenged_at: int = 0  # index in frames where the challenger began to lead
    token: _Token | None = None  # the letter this run holds, once it is a hold

    @property
    def end(self) -> float:
        return self.frames[-1][0]


@dataclass
class _Token:
    """A letter being read: a hold (its probability the mean over its frames) or a motion letter."""

    letter: str
    start: float
    end: float
    total: float  # sum of the letter's probability over the frames (a motion letter: its score)
    count: int
    how: str = "held"
    shape: np.ndarray | None = None  # a hold's median landmarks: whose handshape J and Z look for

    def final(self) -> SpelledLetter:
        return SpelledLetter(self.letter, self.start, self.end, min(1.0, self.total / max(1, self.count)), self.how)


class Speller:
    """Letters from a stream of frames: ``push`` one frame at a time, in time order; each call
    returns the letters that became final; ``finish`` returns the rest. ``current`` is the letter
    being held now, if any (not final: shown live, not yet spelled)."""

    def __init__(self, classes, settings: SpellSettings = SPELLING) -> None:
        self.classes = [str(c) for c in classes]
        self.s = settings
        self._window: deque = deque()  # (time, probabilities, speed) of the last `smooth` seconds
        self._palm = None  # (time, palm, size) of the previous frame with a hand
        self._run: _Run | None = None
        self._gap: list = []  # (time, landmarks) of frames since the last hold, for J and Z
        self._gap_peak = 0.0
        self._lost_since: float | None = None
        self._lost_long = False
        self._pending: _Token | None = None  # the last letter read, not yet final
        self.current: str | None = None

    def push(self, time: float, landmarks: np.ndarray | None, probabilities: np.ndarray | None) -> list[SpelledLetter]:
        """One frame: the hand's 21x3 landmarks and the letter probabilities (both None when no
        hand was found)."""
        out: list[SpelledLetter] = []
        if landmarks is None or probabilities is None:
            if self._lost_since is None:
                self._lost_since = time
            if time - self._lost_since >= self.s.max_gap:
                self._lost_long = True
            self._palm = None
            self._window.clear()
            self._end_run()
            self.current = None
            return out
        self._lost_since = None
        landmarks = np.asarray(landmarks, dtype=np.float64)
        palm = landmarks[list(PALM), :2].mean(axis=0)
        size = float(np.ptp(landmarks[:, :2], axis=0).max()) or 1.0
        speed = 0.0
        if self._palm is not None and time > self._palm[0]:
            speed = float(np.linalg.norm(palm - self._palm[1])) / max(size, self._palm[2]) / (time - self._palm[0])
        self._palm = (time, palm, size)
        self._window.append((time, np.asarray(probabilities, dtype=np.float64), speed))
        while self._window and self._window[0][0] < time - self.s.smooth:
            self._window.popleft()
        smoothed = np.mean([p for _, p, _ in self._window], axis=0)
        mean_speed = float(np.mean([v for _, _, v in self._window]))
        letter = int(np.argmax(smoothed))
        if mean_speed >= self.s.still:
            self._gap_peak = max(self._gap_peak, speed)
            self._end_run()
            self._gap.append((time, landmarks))
            self.current = None
            return out
        run = self._run
        if run is None:
            self._run = run = _Run(letter, time)
        elif letter != run.letter:
            if run.challenger != letter:
                run.challenger, run.challenged_at = letter, len(run.frames)
            elif time - run.frames[run.challenged_at][0] >= self.s.min_hold and not self._wavering(run):
                # the letter changed in place
                tail = run.frames[run.challenged_at:]
                run.frames = run.frames[:run.challenged_at]
                token = run.token
                if token is not None and run.frames and token.end > run.end:  # give the tail back
                    token.end = max(token.start, run.end)
                    if token.how == "held" and token.count > len(tail):
                        token.total -= sum(float(f[1][run.letter]) for f in tail)
                        token.count -= len(tail)
                self._end_run()
                self._run = run = _Run(letter, tail[0][0])
                for frame in tail:
                    self._extend(run, frame, out)
        else:
            run.challenger = None
        self._extend(run, (time, smoothed, landmarks), out)
        self.current = self.classes[run.letter] if run.token is not None else None
        return out

    def finish(self) -> list[SpelledLetter]:
        """The letters still held back at the end of the stream."""
        out: list[SpelledLetter] = []
        self._end_run()
        self._settle(out, None)
        if self._pending is not None:
            out.append(self._pending.final())
            self._pending = None
        self.current = None
        return out

    def _extend(self, run: _Run, frame, out: list[SpelledLetter]) -> None:
        """Add a still frame to ``run``; once the run is long and sure enough it is a hold, which
        ends the transition before it (settling the letter before) and then grows with the run."""
        run.frames.append(frame)
        p = float(frame[1][run.letter])
        if run.token is not None:
            run.token.end = frame[0]
            if run.token.how == "held":
                run.token.total += p
                run.token.count += 1
            return
        if frame[0] - run.start < self.s.min_hold:
            return
        probability = float(np.mean([f[1][run.letter] for f in run.frames]))
        if probability < self.s.min_probability:
            return
        shape = np.median(np.stack([f[2] for f in run.frames]), axis=0)
        hold = _Token(self.classes[run.letter], run.start, frame[0], probability * len(run.frames), len(run.frames),
                      shape=shape)
        run.token = self._settle(out, hold)

    def _wavering(self, run: _Run) -> bool:
        """Whether the run holds a letter already and the challenger's frames show the handshape of
        the run's frames before them (no landmark moved ``min_change`` hand sizes between their
        medians); if so the challenge is over, and the hold is whichever of the two letters has the
        higher mean probability over the whole run (one handshape, one letter: a hold that began on
        a brief misreading becomes the letter read for most of it). A run not yet held gives way to
        any new leader."""
        if run.token is None:
            return False
        before = np.median(np.stack([f[2] for f in run.frames[:run.challenged_at]]), axis=0)
        after = np.median(np.stack([f[2] for f in run.frames[run.challenged_at:]]), axis=0)
        if shape_change(before, after) >= self.s.min_change:
            return False
        challenger, run.challenger = run.challenger, None
        token = run.token
        if token.how == "held" and token.start == run.start and token.count == len(run.frames):  # this run's own hold
            totals = np.sum([f[1] for f in run.frames], axis=0)
            if totals[challenger] > totals[run.letter]:
                run.letter = challenger
                token.letter, token.total = self.classes[challenger], float(totals[challenger])
        return True

    def _end_run(self) -> None:
        run, self._run = self._run, None
        if run is not None and run.token is None:  # too short or unsure: part of the transition
            self._gap += [(t, lm) for t, _, lm in run.frames]

    def _settle(self, out: list[SpelledLetter], hold: _Token | None) -> _Token | None:
        """The transition since the last letter is over (``hold`` begins, or the stream ended):
        read a J or Z in it and settle the letter before. Returns the token ``hold``'s frames
        extend: itself, or the letter it continues (the same letter without a bounce, or the
        motion letter whose handshape it holds)."""
        gap, self._gap = self._gap, []
        peak, self._gap_peak = self._gap_peak, 0.0
        lost, self._lost_long = self._lost_long, False
        motion = None
        if len(gap) >= 4:
            found = read_motion(np.array([t for t, _ in gap]), np.stack([lm for _, lm in gap]), self.s.motion)
            if found is not None:
                motion = _Token(found.letter, found.start, found.end, found.score / 2, 1, "motion")
        pending = self._pending
        if motion is not None:
            if pending is not None and self._has_shape(pending, motion.letter):
                motion.start = pending.start  # the I a J starts from
            elif pending is not None:
                out.append(pending.final())
            pending = motion
        self._pending = pending
        if hold is None:
            return None
        if pending is not None and pending.how == "motion" and self._has_shape(hold, pending.letter):
            return pending  # the index finger a Z ends on
        if (pending is not None and pending.how == "held" and pending.letter == hold.letter
                and motion is None and peak < self.s.repeat_speed and not lost):
            pending.total += hold.total
            pending.count += hold.count
            return pending  # one letter, held a little unsteadily
        if pending is not None:
            out.append(pending.final())
        self._pending = hold
        return hold

    def _has_shape(self, token: _Token, letter: str) -> bool:
        return token.shape is not None and bool(shows_shape(token.shape, letter, self.s.motion))


def shape_change(a: np.ndarray, b: np.ndarray) -> float:
    """How far two hands' shapes are apart: the largest distance between matching landmarks, x and y
    taken from the wrist and scaled by the wrist-to-middle-knuckle distance (as the features are)."""
    a, b = from_wrist(np.stack([a, b]).astype(np.float64))[:, :, :2]
    return float(np.linalg.norm(a - b, axis=1).max())


def spell(times, landmarks, probabilities, classes, settings: SpellSettings = SPELLING) -> list[SpelledLetter]:
    """All letters of a whole sequence of frames (``Speller`` run over it): ``landmarks[i]`` and
    ``probabilities[i]`` are None where no hand was found."""
    speller = Speller(classes, settings)
    out: list[SpelledLetter] = []
    for t, lm, p in zip(times, landmarks, probabilities):
        out += speller.push(t, lm, p)
    return out + speller.finish()


def text_of(letters: list[SpelledLetter]) -> str:
    return "".join(letter.letter for letter in letters)
