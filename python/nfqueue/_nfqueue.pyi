# The SWIG core (nfqueue._nfqueue) carries no annotations of its own: it is
# private, and the Pythonic layer that calls it types the public API.
from typing import Any

def __getattr__(name: str) -> Any: ...
