"""Model registry (timm-style): ``@register("dcgan")`` on a class or a preset function.

``create(name, **kwargs)`` builds a model; the registered name is saved as ``architecture`` in a run's
``config.json`` so ``gans.load`` can rebuild it. ``model_info(name)`` is what a form needs to know before
building one (task, data, sizes, defaults, advanced settings: ``gans.models.info``).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .errors import ConfigError, UnknownNameError

_MODELS: dict[str, Callable] = {}
#: the model a form preselects (the fast noise → image recipe), when it is registered
DEFAULT_MODEL = "dcgan"


def register(name: str):
    """Register a model class or preset function under ``name``."""

    def decorator(factory):
        if name in _MODELS:
            raise ValueError(f"model {name!r} is registered twice")
        _MODELS[name] = factory
        if isinstance(factory, type):
            factory.architecture = name  # so a model built from its class can be saved and loaded back
        return factory

    return decorator


def unregister(name: str) -> None:
    """Remove the model registered under ``name`` (tests and plugins that register one for a while)."""
    model_factory(name)  # an unknown name: the usual error
    del _MODELS[name]


def default_model() -> str:
    """The model a form preselects: ``DEFAULT_MODEL`` when registered, else the first name."""
    names = list_models()
    if not names:
        raise UnknownNameError("no model is registered")
    return DEFAULT_MODEL if DEFAULT_MODEL in names else names[0]


def list_models(task: str | None = None) -> list[str]:
    """Names of every registered model, sorted; only those of ``task`` ("generate" or "translate") when given."""
    return sorted(name for name in _MODELS if task is None or model_task(name) == task)


def model_class(name: str) -> type:
    """The class a registered name builds (presets name theirs in ``model_class``)."""
    factory = model_factory(name)
    return factory if isinstance(factory, type) else getattr(factory, "model_class")


class Task(StrEnum):
    """What a model does: its class's ``task``. One name for the task, its module (``gans.tasks.<name>``), its page
    and its command; the exception is ``generate``, whose models are walked on the Explore page
    (``gans.tasks.explore``) and drawn from with ``sample`` / ``interpolate``. A ``Task`` is a ``str``:
    ``Task.DETECT == "detect"``."""

    GENERATE = "generate"
    TRANSLATE = "translate"
    COLORIZE = "colorize"
    UPSCALE = "upscale"
    DETECT = "detect"


@dataclass(frozen=True)
class TaskFacts:
    does: str  # what a model of the task does, in the words refusals use
    command: str  # the command that does it
    page: str  # the studio page that does it


TASKS = {Task.GENERATE: TaskFacts("draws images from noise", "sample", "Explore"),
         Task.TRANSLATE: TaskFacts("turns one kind of picture into another", "translate", "Translate"),
         Task.COLORIZE: TaskFacts("colours gray photos", "colorize", "Colorize"),
         Task.UPSCALE: TaskFacts("upscales images", "upscale", "Upscale"),
         Task.DETECT: TaskFacts("scores images for anomalies", "detect", "Detect")}


def task_of(model_or_class) -> Task:
    """The ``Task`` of a model (or model class); a class that declares none generates (the base's default), and
    one that still says "anomaly" (detection's name before it was "detect") detects. Any other value is one
    ``ConfigError`` naming the model, not a ``ValueError`` from deep inside a page."""
    declared = getattr(model_or_class, "task", Task.GENERATE)
    try:
        return Task({"anomaly": Task.DETECT}.get(declared, declared))
    except ValueError:
        name = getattr(model_or_class, "__name__", type(model_or_class).__name__)
        raise ConfigError(f"{name} declares the task {declared!r}; a model's task is one of "
                          f"{', '.join(task.value for task in Task)}") from None


def model_task(name: str) -> Task:
    """The ``Task`` of the model registered under ``name``."""
    return task_of(model_class(name))


def check_task(model, task: str, source: str = "the checkpoint", command: str | None = None) -> None:
    """The one place a model is refused for a task it cannot do (``ConfigError``): ``source`` holds a model of
    another task, which the message names with the command that fits it. ``command``: what was asked, e.g.
    "interpolate" (default: the task's own command)."""
    has = task_of(model)
    if has == task:
        return
    does, its_command = TASKS[has].does, TASKS[has].command
    wanted = command or TASKS[Task(task)].command
    names = " or ".join(list_models(task=task)) or task
    article = "an" if names[0] in "aeiou" else "a"
    raise ConfigError(f"{source} holds a {getattr(model, 'architecture', type(model).__name__)} model, which "
                      f"{does}; `{wanted}` needs {article} {names} run (use `{its_command}` for this one)")


def model_factory(name: str) -> Callable:
    """The class or preset function registered under ``name``."""
    if name not in _MODELS:
        close = difflib.get_close_matches(name, _MODELS, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownNameError(
            f"unknown model {name!r}.{hint} Available models: {', '.join(list_models())}."
        )
    return _MODELS[name]


def create(name: str, **kwargs):
    """Build the model registered under ``name`` with the given init keyword arguments."""
    factory = model_factory(name)
    try:
        model = factory(**kwargs)
    except TypeError as error:  # an unknown argument name, or a value of the wrong type
        raise ConfigError(f"invalid arguments for model {name!r} ({error}); valid arguments: "
                          f"{', '.join(model_arguments(name))}") from None
    model.architecture = name
    return model


def create_saved(name: str, settings: dict):
    """Rebuild the model a run saved (its config.json's ``architecture`` and ``model``). A setting added after the
    run was saved takes the value it had before it existed: the class's ``saved_defaults`` (e.g. a colorizer
    saved before colour hints existed has none), so old runs keep loading."""
    legacy = getattr(model_class(name), "saved_defaults", {})
    return create(name, **{**legacy, **settings})


def model_info(name: str):
    """``ModelInfo`` of the model registered under ``name``: task, data kind, default dataset, image sizes,
    losses, default steps / batch size / metric cadence and its advanced settings (``gans.models.info``)."""
    from .models.info import describe_model

    factory = model_factory(name)
    summary = (factory.__doc__ or "").strip().splitlines()
    return describe_model(name, model_class(name), model_defaults(name), summary[0] if summary else "")


def model_defaults(name: str) -> dict:
    """Default init arguments of the model registered under ``name`` (preset defaults applied), without
    building it — what a settings form starts from."""
    factory = model_factory(name)
    target = factory if isinstance(factory, type) else getattr(factory, "model_class", factory)
    defaults = {p.name: p.default for p in inspect.signature(target).parameters.values()
                if p.default is not inspect.Parameter.empty}
    defaults.update(getattr(factory, "defaults", {}))
    return defaults


def model_arguments(name: str) -> list[str]:
    """The keyword arguments the model registered under ``name`` accepts."""
    factory = model_factory(name)
    target = factory if isinstance(factory, type) else getattr(factory, "model_class", factory)
    return [p for p in inspect.signature(target).parameters if p not in ("self", "kwargs")]
