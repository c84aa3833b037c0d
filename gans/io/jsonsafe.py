"""``json.loads`` with a bound on nesting, for every JSON file a visitor or another program can write: job specs
(``--spec``), ``config.json``, ``events.jsonl``, metric files.

A file of ``[[[[…]]]]`` thousands deep makes ``json.loads`` raise ``RecursionError``, which no reader expects;
one such run folder in the runs folder used to break most pages. Here it is a ``JSONDecodeError`` like any other
malformed file (so every reader's existing ``except json.JSONDecodeError`` / ``except ValueError`` handles it),
and so is anything nested deeper than ``MAX_DEPTH`` levels, which no file of this project comes near (a job spec
is 3 levels deep).
"""

from __future__ import annotations

import json

MAX_DEPTH = 32


class TooDeepError(json.JSONDecodeError):
    """JSON nested more than ``MAX_DEPTH`` levels deep."""

    def __init__(self, doc: str):
        super().__init__(f"nested more than {MAX_DEPTH} levels deep", doc, 0)


def loads(text: str | bytes):
    """``json.loads(text)``, refusing JSON nested more than ``MAX_DEPTH`` levels deep (``TooDeepError``)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeepError(text if isinstance(text, str) else "") from None
    if depth(value) > MAX_DEPTH:
        raise TooDeepError(text if isinstance(text, str) else "")
    return value


def depth(value) -> int:
    """How many levels of lists and objects ``value`` has (0 for a number or string), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:  # deep enough to refuse: no need to walk the rest
                return level
            stack.extend((child, level + 1) for child in item)
    return deepest
