"""Evaluate a noise-to-image model against its real training data in a shipped feature space.

Protocol (the same for ``python -m gans evaluate``, the Trainer's in-the-loop metric and the model cards):
``n`` real images drawn without replacement from the dataset's training split with ``seed``, ``n`` generated
images from the noise of ``seed`` (class-conditional models: labels 0, 1, 2, ... cycling over the classes, so
every class gets n / classes samples); both embedded by the dataset's feature network (gans.metrics.features).
Reported: FD, KID (×1000 is the usual way to print it; stored as is), precision and recall (k = 3), and for
class-conditional models the share of samples the classifier puts in the requested class, overall and per class.
Every number is deterministic for a fixed seed and n.

When Inception-v3 weights are present on this computer (gans.metrics.inception), ``evaluate`` also reports
``fid_inception``: the classic FID of the same images, resized to 299 × 299, in Inception's 2048-d pool features.
The in-the-loop metric never uses it (a 299 px Inception pass is far too slow for that on a CPU).
"""

from __future__ import annotations

from functools import lru_cache

import torch

from ..data import load_dataset
from ..data.image_data import to_model_range
from ..errors import ConfigError, GansError
from ..io import jsonsafe
from ..registry import Task, task_of
from .distances import frechet_distance, kernel_distance, precision_recall
from .features import MetricUnavailableError, embed, feature_network_name, load_feature_network
from .inception import find_inception_weights, inception_features, inception_search_note, load_inception

#: Names of the metrics where lower is better (FD is what ``best/`` keeps the minimum of).
LOWER_IS_BETTER = ("fd", "kid")
PRIMARY_METRIC = "fd"


@lru_cache(maxsize=8)
def real_images(dataset: str, path: str | None, n: int, seed: int) -> torch.Tensor:
    """``n`` training images of ``dataset`` drawn without replacement with ``seed``, in [-1, 1]."""
    data = load_dataset(dataset, path=path, split="train", download=False)
    if len(data) < n:
        raise ConfigError(f"{dataset} has {len(data)} training images, fewer than the {n} asked for")
    index = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
    return to_model_range(data.images[index])


@lru_cache(maxsize=8)
def real_features(dataset: str, path: str | None, n: int, seed: int) -> torch.Tensor:
    """Features of ``n`` training images of ``dataset`` drawn with ``seed`` (cached per process)."""
    network, _ = load_feature_network(feature_network_name(dataset))
    features, _ = embed(network, real_images(dataset, path, n, seed))
    return features


@lru_cache(maxsize=2)
def real_inception_features(weights: str, dataset: str, path: str | None, n: int, seed: int) -> torch.Tensor:
    """Inception features of the same real images as ``real_features`` (cached per process)."""
    return inception_features(load_inception(weights), real_images(dataset, path, n, seed))


@lru_cache(maxsize=4)
def real_class_accuracy(dataset: str, path: str | None = None,
                        image_size: int | None = None) -> dict[str, float] | None:
    """The feature classifier's own accuracy per class on the dataset's real test images (None without a
    labelled test split): the bar a class-conditional generator's class accuracy is read against. With
    ``image_size`` the images are first resized the way training resizes them for a model of that size
    (``ImageData.prepare``: antialiased bilinear, rounded to uint8), so real and generated images reach the
    classifier through the same resizing."""
    try:
        data = load_dataset(dataset, path=path, split="test", download=False)
    except (GansError, OSError):  # no test split here: the comparison is simply not shown
        return None
    if data.labels is None:
        return None
    if image_size is not None:
        data = data.prepare(image_size, data.channels)
    network, facts = load_feature_network(feature_network_name(dataset))
    _, scores = embed(network, to_model_range(data.images))
    correct = (scores.argmax(1) == data.labels).double()
    names = facts.get("class_names") or data.class_names or []
    return {names[c] if c < len(names) else str(c): correct[data.labels == c].mean().item()
            for c in range(int(data.labels.max()) + 1) if (data.labels == c).any()}


def generated_images(model, n: int, seed: int, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``n`` samples from the noise of ``seed`` (and their requested labels for class-conditional models)."""
    z = model.latent(seed, n)
    labels = torch.arange(n) % model.num_classes if getattr(model, "conditional", False) else None
    chunks = [model.generate(z[start:start + batch_size], None if labels is None else labels[start:start + batch_size])
              for start in range(0, n, batch_size)]
    return torch.cat(chunks), labels


def check_measurable(model, dataset: str) -> None:
    """``MetricUnavailableError`` with the reason when ``model`` on ``dataset`` cannot be measured here."""
    if task_of(model) != Task.GENERATE:
        raise MetricUnavailableError(f"FD/KID are measured for noise-to-image models; {model.architecture} is an "
                                     f"image-to-image model (its model card reports held-out image metrics)")
    feature_network_name(dataset)


def evaluate_model(model, dataset: str, n: int = 2000, seed: int = 0, path: str | None = None,
                   inception: bool = False) -> dict:
    """Every metric of the protocol above for ``model`` trained on ``dataset``, as a plain dict.

    ``inception``: also the Inception FID when weights are found (the protocol says which, or why there is none).
    """
    if n < 10:
        raise ConfigError(f"evaluate needs at least 10 samples, got n={n}")
    check_measurable(model, dataset)
    name = feature_network_name(dataset)
    network, facts = load_feature_network(name)
    real = real_features(dataset, path, n, seed)
    images, labels = generated_images(model, n, seed)
    fake, scores = embed(network, images)
    precision, recall = precision_recall(real, fake)
    result = {
        "fd": frechet_distance(real, fake),
        "kid": kernel_distance(real, fake, seed=seed),
        "precision": precision,
        "recall": recall,
    }
    if labels is not None:
        correct = (scores.argmax(1) == labels).double()
        class_names = facts.get("class_names") or [str(i) for i in range(model.num_classes)]
        per_class = {class_names[c] if c < len(class_names) else str(c): correct[labels == c].mean().item()
                     for c in range(model.num_classes) if (labels == c).any()}
        result["class_accuracy"] = correct.mean().item()
        result["per_class_accuracy"] = per_class
        real_accuracy = real_class_accuracy(dataset, path, images.shape[-1])
        # how often the classifier is right on real test images of each class, resized to the samples' size as
        # training resized them
        if real_accuracy is not None:
            result["classifier_per_class_accuracy"] = real_accuracy
    result["protocol"] = {
        "n": n, "seed": seed, "dataset": dataset, "real": f"{n} images of the {dataset} training split",
        "feature_network": f"{name}-classifier", "classifier_test_accuracy": facts["test_accuracy"],
        "precision_recall_k": 3,
    }
    if inception:
        found = find_inception_weights()
        if found is None:
            result["protocol"]["inception"] = inception_search_note()
        else:
            weights, description = found
            real_inception = real_inception_features(str(weights), dataset, path, n, seed)
            result["fid_inception"] = frechet_distance(real_inception, inception_features(load_inception(str(weights)),
                                                                                          images))
            result["protocol"]["inception"] = f"{description}: {weights}; images resized to 299 x 299 (bilinear)"
    return result


def evaluate(run_or_id: str, n: int = 2000, seed: int = 0, inception: bool = True) -> dict:
    """Load a run directory or Hub id and evaluate it on the dataset recorded in its config (with the Inception
    FID when its weights are present and ``inception`` is true)."""
    from ..io.checkpoints import RunDir, load, resolve_run

    if inception:  # a bad weights file is reported before minutes of other work, with the way around it
        try:
            found = find_inception_weights()
            if found is not None:
                load_inception(str(found[0]))
        except MetricUnavailableError as error:
            raise MetricUnavailableError(f"{error} (or skip the Inception FID: evaluate --no-inception)") from None
    path = resolve_run(run_or_id)
    config = RunDir(path).read_config()
    data = config.get("data") or {}
    model = load(path)
    result = evaluate_model(model, data.get("name", "unknown"), n=n, seed=seed, path=data.get("path"),
                            inception=inception)
    steps = [e["step"] for e in RunDir(path).read_events() if "step" in e]
    metric_path = RunDir(path).metric_path
    if not steps and metric_path.exists():  # a best/ folder: its step is in metric.json
        try:
            best = jsonsafe.loads(metric_path.read_text())
        except (OSError, ValueError) as error:
            raise ConfigError(f"{metric_path} is not readable JSON ({error})") from None
        steps = [best.get("step") if isinstance(best, dict) else None]
    return {"run": str(run_or_id), "architecture": config["architecture"], "step": steps[-1] if steps else None,
            **result}


def untrained_like(run_dir) -> tuple:
    """(a freshly initialised model of ``run_dir``'s architecture and settings, seed 0; its dataset name): the
    baseline the shipped models' FD is compared with. The caller's random state is left as it was."""
    from ..io.checkpoints import RunDir
    from ..registry import create_saved

    config = RunDir(run_dir).read_config()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return create_saved(config["architecture"], config["model"]), config["data"]["name"]


class MetricTracker:
    """The Trainer's in-the-loop metric: the protocol above with a small ``n``, real features computed once."""

    def __init__(self, dataset: str, path: str | None, n: int, seed: int):
        feature_network_name(dataset)  # fails now, not at the first measurement, when there is none
        self.dataset, self.path, self.n, self.seed = dataset, path, n, seed

    def measure(self, model) -> dict[str, float]:
        result = evaluate_model(model, self.dataset, n=self.n, seed=self.seed, path=self.path)
        return {key: value for key, value in result.items() if isinstance(value, float)}
