"""Stand-in modules for what a dependency imports at import time and asl never uses on its reading
path, so that a cold `asl predict` does not pay for them (issue 13's start-up targets).

A stand-in sits in ``sys.modules`` only while the dependency imports (``standing_in``), and leaves
at once: whoever imports the module afterwards gets the real one. Two kinds:

- ``Deferred``: a module that imports the real one on its first attribute read, for a reference
  the dependency keeps (mediapipe's drawing helpers keep ``matplotlib.pyplot`` as ``plt``);
- ``OnlyIfImported``: a class for ``isinstance`` checks against a class of a module that may never
  be imported (treelite's GTIL checks its input against ``scipy.sparse.csr_matrix``); it answers
  as the real class does once its module is imported, and False before, when nothing can be one.
"""

from __future__ import annotations

import importlib
import sys
import types
from contextlib import contextmanager
from collections.abc import Iterator


class Deferred(types.ModuleType):
    """Stands in for a module: the first read of an attribute that is not a dunder imports the real
    module, puts it in ``sys.modules`` and answers from it."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


class _OnlyIfImportedType(type):
    def __instancecheck__(cls, obj) -> bool:
        module = sys.modules.get(cls.real_module)
        if module is None or isinstance(module, types.ModuleType) and module.__dict__.get("__stand_in__"):
            return False
        return isinstance(obj, getattr(module, cls.__name__))


def only_if_imported(module: str, name: str) -> type:
    """A class that ``isinstance`` treats as ``module.name`` once ``module`` is imported (and that
    nothing is an instance of before)."""
    return _OnlyIfImportedType(name, (), {"real_module": module, "__module__": __name__})


def stand_in_module(name: str, **attributes) -> types.ModuleType:
    """A plain stand-in module holding ``attributes`` (for ``from name import attribute``)."""
    module = types.ModuleType(name)
    module.__stand_in__ = True
    module.__dict__.update(attributes)
    return module


@contextmanager
def standing_in(stand_ins: dict[str, types.ModuleType]) -> Iterator[None]:
    """``stand_ins`` in ``sys.modules`` for the duration, unless a real module of that name is
    already imported (then nothing stands in for it); each stand-in still there afterwards leaves."""
    placed = {name: module for name, module in stand_ins.items() if name not in sys.modules}
    sys.modules.update(placed)
    try:
        yield
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
