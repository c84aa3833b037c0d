"""Push a run directory to the Hugging Face Hub, in the same format ``gans.load("owner/name")`` pulls back.

``stage_run`` copies what gets uploaded into a folder (so what is pushed can be looked at and tested offline):
config.json, model.safetensors, events.jsonl, the sample grids and progress GIF, a ``best/`` checkpoint if the
run has one, and the model card with Hub metadata (YAML front matter). ``push_run`` stages into a temporary
folder, creates the model repo and uploads it. The optimizer state (trainer_state.pt) never leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import CheckpointError, ConfigError, GansError
from ..registry import task_of
from .checkpoints import RunDir, is_hub_id, read_json

LIBRARY_NAME = "gans-studio"
LICENSE = "mit"  # the repository's LICENSE
# Hub data sets our built-in data comes from (only where the link is true: the offline demos are Fashion-MNIST).
HUB_DATASETS = {
    "fashion-mnist": "zalando-datasets/fashion_mnist",
    "fashion-mnist-mini": "zalando-datasets/fashion_mnist",
    "edges2fashion": "zalando-datasets/fashion_mnist",
    "sneaker2boot": "zalando-datasets/fashion_mnist",
    "mnist": "ylecun/mnist",
    "cifar10": "uoft-cs/cifar10",
}
PIPELINE_TAGS = {"translate": "image-to-image", "colorize": "image-to-image", "upscale": "image-to-image"}


class HubError(GansError, RuntimeError):
    """The Hugging Face Hub could not be reached, or refused the upload."""


# ---- staging ------------------------------------------------------------------------------------------------
def _validated_model(run_dir: Path):
    """The run's model, loaded from its own files: a run that cannot be loaded is not pushed."""
    from .checkpoints import load

    if not run_dir.is_dir():
        raise CheckpointError(f"no run directory at {run_dir}")
    run = RunDir(run_dir)
    for path in (run.config_path, run.weights_path):
        if not path.is_file():
            raise CheckpointError(f"{path} is missing: {run_dir} is not a finished run directory "
                                  f"(it needs {run.config_path.name} and {run.weights_path.name})")
    return load(run_dir)


def _files_to_upload(run_dir: Path) -> list[str]:
    """The run's files that go to the Hub (relative POSIX paths): never the optimizer state."""
    run = RunDir(run_dir)
    paths = [run.config_path, run.weights_path, run.events_path, *sorted(run.samples_dir.glob("*.png")),
             run.gif_path, *sorted(run.best.path.glob("*.json")), run.best.weights_path]
    return [path.relative_to(run.path).as_posix() for path in paths if path.is_file()]


def _split_front_matter(card: str) -> tuple[dict, str]:
    """(metadata, body) of a model card that may start with a ``---`` YAML block."""
    import yaml

    lines = card.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                try:
                    metadata = yaml.safe_load("".join(lines[1:index])) or {}
                except yaml.YAMLError:
                    metadata = {}
                return (metadata if isinstance(metadata, dict) else {}), "".join(lines[index + 1:])
    return {}, card


def _last_step(run: RunDir) -> int | None:
    steps = [event["step"] for event in run.read_events() if isinstance(event.get("step"), int)]
    return steps[-1] if steps else None


def _short_card(run: RunDir, config: dict) -> str:
    """A model card for a run that has none (from config.json and the last event)."""
    data = (config.get("data") or {}).get("name") or "unknown data"
    step = _last_step(run)
    lines = [f"# {config['architecture']} trained with GAN Studio", "",
             f"- **Architecture:** `{config['architecture']}`", f"- **Data:** `{data}`"]
    if step is not None:
        lines.append(f"- **Steps:** {step}")
    return "\n".join(lines) + "\n"


def hub_metadata(model, config: dict, existing: dict | None = None) -> dict:
    """Hugging Face model-card metadata for a run; keys of ``existing`` we do not set are kept."""
    metadata = dict(existing or {})
    tags = ["gan", "pytorch", "gan-studio", model.architecture]
    tags += [tag for tag in metadata.get("tags") or [] if isinstance(tag, str) and tag not in tags]
    metadata.update(library_name=LIBRARY_NAME, license=LICENSE, tags=tags)
    dataset = HUB_DATASETS.get((config.get("data") or {}).get("name"))
    if dataset:
        metadata["datasets"] = [dataset]
    task = task_of(model)
    # Class-conditional generation has no Hub pipeline tag; unconditional generation and image-to-image do.
    unconditional = task == "generate" and not model.conditional
    pipeline = PIPELINE_TAGS.get(task) or ("unconditional-image-generation" if unconditional else None)
    if pipeline:
        metadata["pipeline_tag"] = pipeline
    return metadata


def hub_card(run_dir: Path, model, repo_id: str | None = None) -> str:
    """The run's model card (or a short generated one) with Hub front matter, plus how to load it from the Hub."""
    import yaml

    run = RunDir(run_dir)
    config = read_json(run.config_path)
    card_path = run.card_path
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else _short_card(run, config)
    existing, body = _split_front_matter(card)
    metadata = hub_metadata(model, config, existing)
    if repo_id:  # the card's own usage lines name the local folder; on the Hub they name the repo
        local = run_dir.resolve().name
        replaced = body
        for before, after in ((f'gans.load("{local}")', f'gans.load("{repo_id}")'),
                              (f"gans translate {local} ", f"gans translate {repo_id} "),
                              (f"--checkpoint {local}`", f"--checkpoint {repo_id}`")):
            replaced = replaced.replace(before, after)
        if replaced == body:  # a hand-written card: add the line
            replaced = body.rstrip("\n") + ("\n\n## From the Hugging Face Hub\n\n```python\nimport gans\n"
                                            f'model = gans.load("{repo_id}")\n```\n')
        body = replaced
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body.lstrip()}"


def stage_run(run_dir: str | Path, staging_dir: str | Path, repo_id: str | None = None) -> list[str]:
    """Copy into ``staging_dir`` exactly the files a Hub push uploads; returns their sorted relative paths.

    The run is loaded first, so a missing or corrupt run raises ``CheckpointError`` before anything is written.
    ``staging_dir`` must be new or empty (everything in it is uploaded). ``repo_id`` adds a load line to the card.
    """
    run_dir, staging_dir = Path(run_dir).expanduser(), Path(staging_dir)
    model = _validated_model(run_dir)
    if staging_dir.exists() and (not staging_dir.is_dir() or any(staging_dir.iterdir())):
        raise ConfigError(f"{staging_dir} is not an empty folder: everything in it would be uploaded")
    staging_dir.mkdir(parents=True, exist_ok=True)
    names = _files_to_upload(run_dir)
    for name in names:
        target = staging_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run_dir / name, target)
    card = RunDir(staging_dir).card_path
    card.write_text(hub_card(run_dir, model, repo_id), encoding="utf-8")
    return sorted(names + [card.name])


# ---- pulling ------------------------------------------------------------------------------------------------
def fetch_error_reason(error: BaseException) -> str:
    """Why ``repo_id`` could not be downloaded from the Hub, in words a user can act on (``gans.load`` of a Hub
    id): no such repo, a gated one, an offline server, an unreachable Hub."""
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    if isinstance(error, GatedRepoError):
        return "the repo is gated: accept its terms on huggingface.co and set HF_TOKEN"
    if isinstance(error, RepositoryNotFoundError):
        return "the Hub has no model repo with that id (check the spelling; a private repo needs HF_TOKEN)"
    if isinstance(error, RevisionNotFoundError):
        return "the repo has no such revision"
    if isinstance(error, OfflineModeIsEnabled) or (offline and isinstance(error, LocalEntryNotFoundError)):
        return "this machine is offline (HF_HUB_OFFLINE is set) and has not downloaded that repo before"
    if isinstance(error, LocalEntryNotFoundError):
        return "the Hub could not be reached and the repo was never downloaded here (check the network)"
    return (f"{type(error).__name__}: check the repo id, the network, or HF_TOKEN for a private repo")


# ---- pushing ------------------------------------------------------------------------------------------------
def _network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a failed Hub call raises (HTTP status errors, connection errors, offline mode)."""
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    errors: list[type[BaseException]] = [HfHubHTTPError, OfflineModeIsEnabled, OSError, KeyError, ValueError]
    for module, name in (("httpx2", "HTTPError"), ("httpx", "HTTPError"), ("requests", "RequestException")):
        try:
            errors.append(getattr(__import__(module), name))
        except (ImportError, AttributeError):
            pass
    return tuple(errors)


def _hub_error(error: BaseException, repo_id: str, endpoint: str) -> HubError:
    """One readable message for a failed Hub call (the traceback says nothing a user can act on)."""
    from huggingface_hub.errors import OfflineModeIsEnabled

    if isinstance(error, OfflineModeIsEnabled):
        return HubError("HF_HUB_OFFLINE is set, so nothing can be pushed: unset it and try again")
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status is None and isinstance(error, (KeyError, ValueError)):  # a 200 that is not the Hub's (a proxy page)
        return HubError(f"the Hugging Face Hub ({endpoint}) gave an unexpected answer ({type(error).__name__}) "
                        f"while pushing {repo_id}: check the network / HF_ENDPOINT")
    if status is None:
        return HubError(f"could not reach the Hugging Face Hub ({endpoint}: {type(error).__name__}) to push "
                        f"{repo_id}: check the network / token")
    hint = {401: "the token was refused", 403: "the token may not write to this namespace"}.get(status, "")
    return HubError(f"the Hugging Face Hub ({endpoint}) refused to push {repo_id} (HTTP {status}"
                    + (f", {hint}" if hint else "") + "): check the network / token (HF_TOKEN must be a write token)")


def push_run(run_dir: str | Path, repo_id: str, token: str | None = None, private: bool = False,
             endpoint: str | None = None) -> str:
    """Upload a run directory to the Hub model repo ``repo_id`` (created if missing); returns the repo URL.

    The token is ``token``, else ``$HF_TOKEN``, else a ``hf auth login``. ``endpoint`` (default ``$HF_ENDPOINT`` or
    https://huggingface.co) is for mirrors and tests. Network and Hub failures raise one ``HubError``.
    """
    from huggingface_hub import HfApi, get_token

    repo_id = str(repo_id).strip()
    if not is_hub_id(repo_id):
        raise ConfigError(f"{repo_id!r} is not a Hugging Face Hub repo id: use owner/name, e.g. alice/dcgan-fashion")
    token = token or os.environ.get("HF_TOKEN") or get_token()
    if not token:
        raise HubError("no Hugging Face token: set HF_TOKEN (a write token from "
                       "https://huggingface.co/settings/tokens) or run `hf auth login`")
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or None
    with tempfile.TemporaryDirectory(prefix="gans-push-") as staging:
        stage_run(run_dir, staging, repo_id=repo_id)
        api = HfApi(endpoint=endpoint, token=token)
        try:
            url = api.create_repo(repo_id, repo_type="model", exist_ok=True, private=private)
            api.upload_folder(repo_id=repo_id, folder_path=staging, repo_type="model",
                              commit_message=f"Upload {Path(run_dir).name} with GAN Studio")
        except _network_errors() as error:
            raise _hub_error(error, repo_id, api.endpoint) from None
    return str(url)
