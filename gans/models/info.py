"""What a form (the Train page, the CLI) needs to know about a model before building it: ``ModelInfo``.

A model class declares it in plain class attributes; a class that declares nothing still works, with defaults
that follow from its task::

    class MyGAN(NoiseToImageGAN):
        default_dataset = "mnist"            # preselected when it is on the machine
        image_sizes = (28, 32)               # the sizes ``__init__`` accepts
        loss_choices = ("bce", "hinge")      # the objectives ``loss=`` accepts
        default_steps, default_batch_size = 3000, 32
        default_metric_every = 200           # FD every N steps in the studio (0: no in-the-loop metric)
        advanced_settings = (Setting("width", "Width", "int", min_value=1),)
        argument_maxima = {"width": 256}     # the largest value of a number argument (shown or not)

``gans.registry.model_info(name)`` reads them for a registered name (presets share their class's declaration)
and fills each ``Setting``'s ``default`` from the model's init defaults, and its ``max_value`` from
``argument_maxima`` (merged along the class's bases: ``GAN`` declares the shared ones, a model overrides) unless
the setting declares its own; settings the model does not take (a preset or subclass without that argument) are
left out. The page draws each setting as a widget by its ``kind`` (a number with its ``min_value`` and
``max_value``); ``Setting.to_arguments`` turns the widget's value back into init arguments, and
``ModelInfo.check_arguments`` refuses a number outside its range before anything is built (a job spec, the
command line), so 20,000 residual blocks are one message, not 16 seconds of building.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ConfigError
from ..registry import task_of

#: the widget kinds a setting can ask for
SETTING_KINDS = ("choice", "int", "float", "bool", "multichoice")
#: the sizes offered for a model that declares none (the model checks its own size when it is built)
ANY_IMAGE_SIZE = (28, 32, 64, 128, 256)
#: defaults of a model class that declares none, by task: steps, batch size, in-the-loop metric cadence.
#: Image-to-image networks (U-Net / ResNet generators at 64 px) are larger per image: smaller batches. FD is
#: measured for noise models only (~0.5 s per 500 samples on a CPU every 200 steps: about 1 % of a run).
TASK_DEFAULTS = {"generate": (2000, 64, 200), "translate": (1000, 16, 0), "colorize": (1000, 16, 0),
                 "upscale": (2000, 16, 0)}
FALLBACK_DEFAULTS = (1000, 16, 0)


@dataclass(frozen=True)
class Setting:
    """One advanced init argument of a model, as a form shows it.

    ``kind``: "choice" (one of ``choices``), "int", "float", "bool" or "multichoice" (a comma-separated text
    argument such as ``augment="translation,cutout"``, shown as a multi-select of ``choices``).
    """

    name: str  # the init keyword argument
    label: str
    kind: str
    choices: tuple = ()
    help: str = ""
    min_value: float | None = None
    max_value: float | None = None  # default: the model's ``argument_maxima`` entry for ``name``
    step: float | None = None
    format: str | None = None  # printf-style number format, e.g. "%.4f" for small numbers
    zero_is_none: bool = False  # a float whose "off" is None (weight clipping): 0 in the form means None
    off_choice: str | None = None  # multichoice: the choice that turns the feature off (wins over the others)
    choices_from: str | None = None  # take ``choices`` from this ``ModelInfo`` field (e.g. "losses")
    default: object = None  # the model's default value (filled in by ``model_info``)

    def __post_init__(self):
        if self.kind not in SETTING_KINDS:
            raise ValueError(f"setting {self.name!r}: kind must be one of {', '.join(SETTING_KINDS)}, "
                             f"got {self.kind!r}")

    def initial_value(self):
        """The widget's starting value, from the model's default."""
        if self.kind == "int":
            return int(self.default or 0)
        if self.kind == "float":
            return float(self.default or 0.0)
        if self.kind == "bool":
            return bool(self.default)
        if self.kind == "multichoice":
            parts = [part.strip() for part in str(self.default or "").split(",")]
            return [part for part in parts if part in self.choices and part != self.off_choice]
        return self.default

    def choice_index(self) -> int:
        """Index of the default among ``choices`` (0 when it is not one of them)."""
        return self.choices.index(self.default) if self.default in self.choices else 0

    def to_arguments(self, value) -> dict:
        """The init arguments a widget value stands for; {} keeps the model's default (an empty multi-select)."""
        if self.kind == "int":
            return {self.name: int(value)}
        if self.kind == "float":
            return {self.name: None if self.zero_is_none and not value else float(value)}
        if self.kind == "bool":
            return {self.name: bool(value)}
        if self.kind == "multichoice":
            chosen = list(value or [])
            if not chosen:
                return {}
            return {self.name: self.off_choice if self.off_choice in chosen else ",".join(chosen)}
        return {self.name: value}


@dataclass(frozen=True)
class ModelInfo:
    """What a form needs to know about the model registered under ``name`` (see the module docstring)."""

    name: str
    summary: str  # the first line of its docstring
    task: str  # "generate", "translate", "colorize" or "upscale"
    data_kind: str  # the kind of dataset it trains on: "images", "paired", "unpaired" or "photos"
    default_dataset: str | None  # None when no dataset of its kind is registered
    image_sizes: tuple[int, ...]
    image_size: int  # the default
    losses: tuple[str, ...]  # () when it has no ``loss`` argument
    steps: int
    batch_size: int
    metric_every: int  # 0: no in-the-loop metric for this model
    lr: float
    settings: tuple[Setting, ...]  # the advanced settings, defaults filled in
    lr_d: float = 0.0  # the discriminator's own default learning rate (a model's ``lr_d`` argument); 0: as G
    #: number argument → (least, largest) allowed value (None: no bound), shown in the form or not
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()

    def check_arguments(self, arguments: dict) -> None:
        """``ConfigError`` for a number argument outside its range (``ranges``), before the model is built; the
        model checks everything else when it is built."""
        for name, least, largest in self.ranges:
            value = arguments.get(name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if largest is not None and value > largest:
                raise ConfigError(f"{self.name}: {name} must be at most {_number(largest)}, got {_number(value)} "
                                  "(a larger model needs more memory and time than this server gives a job)")
            if least is not None and value < least:
                raise ConfigError(f"{self.name}: {name} must be at least {_number(least)}, got {_number(value)}")

    def setting_arguments(self, values: dict) -> dict:
        """Init arguments for ``values`` (setting name → widget value) of this model's settings."""
        arguments = {}
        for setting in self.settings:
            if setting.name in values:
                arguments.update(setting.to_arguments(values[setting.name]))
        return arguments


def describe_model(name: str, cls: type, defaults: dict, summary: str = "") -> ModelInfo:
    """``ModelInfo`` of ``cls`` registered as ``name`` whose init defaults (preset defaults applied) are
    ``defaults``: its class attributes where it declares them, else the defaults of its task."""
    task = task_of(cls)
    data_kind = getattr(cls, "data_kind", "images")
    steps, batch_size, metric_every = TASK_DEFAULTS.get(task, FALLBACK_DEFAULTS)
    image_size = defaults.get("image_size", 64)
    sizes = tuple(getattr(cls, "image_sizes", None) or ANY_IMAGE_SIZE)
    if image_size not in sizes:
        sizes = tuple(sorted({*sizes, image_size}))
    if "loss" in defaults:
        from .nn.losses import LOSSES

        losses = tuple(getattr(cls, "loss_choices", None) or LOSSES)
    else:
        losses = ()
    values = {"losses": losses}
    maxima = argument_maxima(cls)
    settings = []
    for setting in getattr(cls, "advanced_settings", ()):
        if setting.name not in defaults:
            continue  # a preset or subclass without this argument
        choices = tuple(values[setting.choices_from]) if setting.choices_from else setting.choices
        largest = setting.max_value if setting.max_value is not None else maxima.get(setting.name)
        settings.append(replace(setting, choices=choices, default=defaults[setting.name], max_value=largest))
    ranges = {name: (None, largest) for name, largest in maxima.items() if name in defaults}
    for setting in settings:
        if setting.kind in ("int", "float") and (setting.min_value is not None or setting.max_value is not None):
            ranges[setting.name] = (setting.min_value, setting.max_value)
    return ModelInfo(
        name=name,
        summary=summary,
        task=task,
        data_kind=data_kind,
        default_dataset=getattr(cls, "default_dataset", None) or _first_dataset(data_kind),
        image_sizes=sizes,
        image_size=image_size,
        losses=losses,
        steps=int(getattr(cls, "default_steps", None) or steps),
        batch_size=int(getattr(cls, "default_batch_size", None) or batch_size),
        metric_every=int(getattr(cls, "default_metric_every", metric_every)),
        lr=float(defaults.get("lr", 2e-4)),
        settings=tuple(settings),
        lr_d=float(defaults.get("lr_d") or 0.0),
        ranges=tuple((name, *bounds) for name, bounds in sorted(ranges.items())),
    )


def _number(value: float) -> str:
    """"1,000,000", "0.5", "1e+30"."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:g}"


def argument_maxima(cls: type) -> dict:
    """The largest allowed value of each number argument of ``cls``: its ``argument_maxima`` merged along its
    bases (a subclass's entry wins)."""
    maxima = {}
    for base in reversed(cls.__mro__):
        maxima.update(vars(base).get("argument_maxima", {}))
    return maxima


def _first_dataset(kind: str) -> str | None:
    """The first registered dataset of ``kind`` that needs no folder (else its folder dataset)."""
    from ..data.registry import registered_datasets

    datasets = [dataset for dataset in registered_datasets() if dataset.kind == kind]
    ready = [dataset for dataset in datasets if not dataset.needs_folder]
    return next((dataset.name for dataset in ready + datasets), None)
