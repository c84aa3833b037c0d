"""gans.io.hub: what a push uploads (staged offline), how it fails without a token or a Hub, and the Space config."""

import http.server
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import huggingface_hub
import pytest
import torch
import yaml
from huggingface_hub import constants as hub_constants

import gans
from gans.cli import main
from gans.errors import CheckpointError, ConfigError
from gans.io.checkpoints import RunDir
from gans.io.hub import HubError, push_run, stage_run
from gans.training import TrainConfig, train
from tests.helpers import ROOT

UPLOADED = ["README.md", "config.json", "events.jsonl", "model.safetensors", "samples/progress.gif",
            "samples/step_0000001.png", "samples/step_0000002.png"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A 2-step DCGAN run with two sample grids, a progress GIF, a model card and a trainer state."""
    out = tmp_path_factory.mktemp("hub") / "tiny-dcgan"
    train("dcgan", cfg=TrainConfig(steps=2, batch_size=8, device="cpu", sample_every=1), out=out,
          model_kwargs={"width": 4, "latent_dim": 8, "image_size": 28})
    assert (out / "trainer_state.pt").exists() and (out / "README.md").exists()
    return out


@pytest.fixture
def run_copy(trained_run, tmp_path):
    """A copy of the trained run that a test may change."""
    return Path(shutil.copytree(trained_run, tmp_path / "tiny-dcgan"))


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert match, f"no YAML front matter at the start of:\n{text[:200]}"
    return yaml.safe_load(match.group(1)), match.group(2)


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token anywhere huggingface_hub looks: environment, token file, stored tokens."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hub_constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(hub_constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-stored-tokens"))


@pytest.fixture
def online(monkeypatch):
    """The test suite runs with HF_HUB_OFFLINE=1; these tests talk to a local fake Hub instead."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def failing_hub(online, monkeypatch):
    """A real HTTP server on 127.0.0.1 that answers every request with HTTP 500; HF_ENDPOINT points at it."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            requests.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": "internal error"}')

        do_GET = do_POST = do_PUT = do_HEAD = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    yield requests
    server.shutdown()
    server.server_close()


# ---- staging: exactly what a push uploads -------------------------------------------------------------------
def test_stage_run_writes_exactly_the_uploaded_files(trained_run, tmp_path):
    staging = tmp_path / "staging"
    assert stage_run(trained_run, staging) == UPLOADED
    assert files_under(staging) == UPLOADED  # nothing else, trainer_state.pt above all, is in the folder
    assert "trainer_state.pt" in files_under(trained_run)
    for name in ("config.json", "model.safetensors", "events.jsonl", "samples/progress.gif"):
        assert (staging / name).read_bytes() == (trained_run / name).read_bytes(), name


def test_the_card_gets_hub_front_matter_and_keeps_its_body(trained_run, tmp_path):
    stage_run(trained_run, tmp_path / "staging", repo_id="alice/tiny-dcgan")
    card = (tmp_path / "staging" / "README.md").read_text()
    metadata, body = front_matter(card)
    assert metadata["library_name"] == "gans-studio"
    assert {"gan", "pytorch", "gan-studio", "dcgan"} <= set(metadata["tags"])
    assert (ROOT / "LICENSE").read_text().startswith("MIT License") and metadata["license"] == "mit"
    assert metadata["datasets"] == ["zalando-datasets/fashion_mnist"]  # fashion-mnist-mini is a Fashion-MNIST subset
    assert metadata["pipeline_tag"] == "unconditional-image-generation"
    assert body.count("\n---\n") == 0, "the run card's own front matter is merged, not left as a second block"
    original = front_matter((trained_run / "README.md").read_text())[1]
    assert body.replace('gans.load("alice/tiny-dcgan")', 'gans.load("tiny-dcgan")') == original
    assert 'gans.load("alice/tiny-dcgan")' in body


def test_the_staged_files_load_and_sample_like_the_run(trained_run, tmp_path):
    """The staged folder is what a pull gets back: same model, same samples, same curves."""
    staging = tmp_path / "staging"
    stage_run(trained_run, staging)
    assert torch.equal(gans.load(staging).sample(4, seed=3), gans.load(trained_run).sample(4, seed=3))
    events = RunDir(staging).read_events()
    assert events == RunDir(trained_run).read_events() and [e for e in events if e["type"] == "step"]


def test_a_best_checkpoint_goes_along(run_copy, tmp_path):
    best = run_copy / "best"
    best.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(run_copy / name, best / name)
    (best / "metric.json").write_text('{"fid": 12.5, "step": 2}')
    (best / "notes.txt").write_text("not uploaded")
    staged = stage_run(run_copy, tmp_path / "staging")
    assert staged == sorted(UPLOADED + ["best/config.json", "best/metric.json", "best/model.safetensors"])
    assert files_under(tmp_path / "staging") == staged


def test_a_run_without_a_card_gets_a_short_one(run_copy, tmp_path):
    (run_copy / "README.md").unlink()
    stage_run(run_copy, tmp_path / "staging")
    metadata, body = front_matter((tmp_path / "staging" / "README.md").read_text())
    assert "dcgan" in metadata["tags"]
    assert "`dcgan`" in body and "`fashion-mnist-mini`" in body and "**Steps:** 2" in body


def test_only_loadable_runs_are_staged(run_copy, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckpointError, match="config.json"):
        stage_run(empty, tmp_path / "s1")
    with pytest.raises(CheckpointError, match="no run directory"):
        stage_run(tmp_path / "nowhere", tmp_path / "s2")
    (run_copy / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        stage_run(run_copy, tmp_path / "s3")
    (run_copy / "config.json").unlink()
    with pytest.raises(CheckpointError, match="config.json"):
        stage_run(run_copy, tmp_path / "s4")
    assert not any((tmp_path / name).exists() for name in ("s1", "s2", "s3", "s4")), "nothing staged for a bad run"


def test_the_staging_folder_must_be_empty(trained_run, tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "private.txt").write_text("would be uploaded")
    with pytest.raises(ConfigError, match="not an empty folder"):
        stage_run(trained_run, staging)


def test_a_pull_fetches_every_file_a_push_uploads(trained_run, tmp_path, monkeypatch):
    """resolve_run's allow_patterns (matched the way huggingface_hub matches them) cover the staged files."""
    from huggingface_hub.utils import filter_repo_objects

    staging = tmp_path / "staging"
    staged = stage_run(trained_run, staging)
    best = ["best/config.json", "best/metric.json", "best/model.safetensors"]
    asked = {}

    def fake_snapshot_download(repo_id, allow_patterns=None, **kwargs):
        asked.update(repo_id=repo_id, allow_patterns=allow_patterns)
        return str(staging)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    model = gans.load("alice/tiny-dcgan")
    assert asked["repo_id"] == "alice/tiny-dcgan"
    fetched = list(filter_repo_objects(staged + best + ["trainer_state.pt"], allow_patterns=asked["allow_patterns"]))
    assert fetched == staged + best
    assert torch.equal(model.sample(2, seed=0), gans.load(trained_run).sample(2, seed=0))


# ---- a Hub id that cannot be loaded: the message names the Hub, never a local folder -----------------------------
def hub_refusal(error_class, status: int):
    import httpx2

    request = httpx2.Request("GET", "https://huggingface.co/api/models/nobody/no-such-gan/revision/main")
    return error_class(f"{status} Client Error", response=httpx2.Response(status, request=request))


def assert_about_the_hub_only(message: str) -> None:
    assert "could not be fetched from the Hugging Face Hub" in message or "Hugging Face Hub repo" in message, message
    assert not re.search(r"local|folder|directory|/snapshots/|\.cache", message), message


def test_a_typed_hub_id_offline_says_the_machine_is_offline_not_that_a_folder_is_missing():
    with pytest.raises(CheckpointError) as raised:
        gans.load("nobody/no-such-gan", hub_only=True)
    message = str(raised.value)
    assert message.startswith("'nobody/no-such-gan' could not be fetched from the Hugging Face Hub: ")
    assert "offline (HF_HUB_OFFLINE is set)" in message
    assert_about_the_hub_only(message)


@pytest.mark.parametrize("error, status, reason", [
    ("RepositoryNotFoundError", 404, "the Hub has no model repo with that id"),
    ("GatedRepoError", 403, "gated"),
    ("RevisionNotFoundError", 404, "no such revision"),
])
def test_a_hub_id_the_hub_refuses_says_why(error, status, reason, monkeypatch):
    from huggingface_hub import errors

    def refuse(repo_id, **kwargs):
        raise hub_refusal(getattr(errors, error), status)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", refuse)
    with pytest.raises(CheckpointError) as raised:
        gans.load("nobody/no-such-gan", hub_only=True)
    assert reason in str(raised.value)
    assert_about_the_hub_only(str(raised.value))
    with pytest.raises(CheckpointError, match="no local run directory 'nobody/no-such-gan', and .* could not be "
                                              "fetched from the Hugging Face Hub: .*" + re.escape(reason)):
        gans.load("nobody/no-such-gan")  # a path or an id (the CLI): both places were looked at, and it says so


def test_a_hub_repo_that_is_not_a_gans_model_says_so_by_its_id(trained_run, tmp_path, monkeypatch):
    snapshot = tmp_path / "models--someone--diffusion" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kwargs: str(snapshot))
    with pytest.raises(CheckpointError) as raised:  # allow_patterns matched nothing: an empty snapshot
        gans.load("someone/diffusion", hub_only=True)
    assert str(raised.value).startswith("the Hugging Face Hub repo 'someone/diffusion' has no config.json: it is "
                                        "not a model saved by gans")
    assert_about_the_hub_only(str(raised.value))
    (snapshot / "config.json").write_text('{"_class_name": "UNet2DModel"}')
    shutil.copyfile(trained_run / "model.safetensors", snapshot / "model.safetensors")
    with pytest.raises(CheckpointError, match="'someone/diffusion' is not a model saved by gans") as raised:
        gans.load("someone/diffusion", hub_only=True)
    assert_about_the_hub_only(str(raised.value))


# ---- pushing ------------------------------------------------------------------------------------------------
def test_push_without_a_token_says_to_set_hf_token(trained_run, no_token):
    with pytest.raises(HubError, match="set HF_TOKEN"):
        push_run(trained_run, "alice/tiny-dcgan")


def test_push_checks_the_repo_id_and_the_run_before_any_network(trained_run, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", lambda *a, **k: pytest.fail("no Hub call expected"))
    for bad in ("../tiny", "/tmp/x", "just-a-name", "a/b/c"):
        with pytest.raises(ConfigError, match="owner/name"):
            push_run(trained_run, bad)
    with pytest.raises(CheckpointError, match="no run directory"):
        push_run(tmp_path / "missing", "alice/tiny-dcgan")


def test_push_uploads_the_staged_files_to_a_model_repo(trained_run, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    calls = {}

    def create_repo(self, repo_id, **kwargs):
        calls["create"] = dict(repo_id=repo_id, token=self.token, **kwargs)
        return huggingface_hub.hf_api.RepoUrl(f"https://huggingface.co/{repo_id}")

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        folder = Path(folder_path)
        calls["upload"] = dict(repo_id=repo_id, files=files_under(folder), folder=folder,
                               card=(folder / "README.md").read_text(), **kwargs)

    monkeypatch.setattr(huggingface_hub.HfApi, "create_repo", create_repo)
    monkeypatch.setattr(huggingface_hub.HfApi, "upload_folder", upload_folder)
    url = push_run(trained_run, "alice/tiny-dcgan", private=True)
    assert url == "https://huggingface.co/alice/tiny-dcgan"
    assert calls["create"] == dict(repo_id="alice/tiny-dcgan", token="hf_test", repo_type="model", exist_ok=True,
                                   private=True)
    upload = calls["upload"]
    assert upload["repo_id"] == "alice/tiny-dcgan" and upload["repo_type"] == "model"
    assert upload["files"] == UPLOADED
    assert 'gans.load("alice/tiny-dcgan")' in upload["card"]
    assert not upload["folder"].exists(), "the temporary staging folder is removed"


def test_push_to_a_hub_that_answers_500_is_one_clear_error(trained_run, failing_hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    started = time.monotonic()
    with pytest.raises(HubError) as caught:
        push_run(trained_run, "alice/tiny-dcgan")
    assert time.monotonic() - started < 30
    message = str(caught.value)
    assert "HTTP 500" in message and "check the network / token" in message and "alice/tiny-dcgan" in message
    assert failing_hub and failing_hub[0] == ("POST", "/api/repos/create", "Bearer hf_test")


def test_push_to_an_unreachable_hub_is_one_clear_error_fast(trained_run, online):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(HubError, match=r"could not reach the Hugging Face Hub .*check the network / token"):
        push_run(trained_run, "alice/tiny-dcgan", token="hf_test", endpoint=f"http://127.0.0.1:{port}")
    assert time.monotonic() - started < 30


def test_push_in_offline_mode_says_so(trained_run, monkeypatch):
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubError, match="HF_HUB_OFFLINE"):
        push_run(trained_run, "alice/tiny-dcgan", token="hf_test")


# ---- CLI ----------------------------------------------------------------------------------------------------
def test_cli_push_errors_are_one_line(trained_run, no_token, failing_hub, monkeypatch, capsys):
    assert main(["push", str(trained_run), "alice/tiny-dcgan"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "HF_TOKEN" in err and len(err.splitlines()) == 1

    monkeypatch.setenv("HF_TOKEN", "hf_test")
    assert main(["push", str(trained_run), "alice/tiny-dcgan", "--private"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "HTTP 500" in err and len(err.splitlines()) == 1
    assert "Traceback" not in err

    assert main(["push", str(trained_run), "../elsewhere"]) == 2
    assert "owner/name" in capsys.readouterr().err


def test_cli_push_prints_the_repo_url(trained_run, monkeypatch, capsys):
    pushed = {}

    def fake_push_run(run, repo_id, private=False):
        pushed.update(run=run, repo_id=repo_id, private=private)
        return f"https://huggingface.co/{repo_id}"

    monkeypatch.setattr("gans.io.hub.push_run", fake_push_run)
    assert main(["push", str(trained_run), "alice/tiny-dcgan", "--private"]) == 0
    assert capsys.readouterr().out.strip() == "https://huggingface.co/alice/tiny-dcgan"
    assert pushed == dict(run=str(trained_run), repo_id="alice/tiny-dcgan", private=True)


# ---- the repository as a Space ------------------------------------------------------------------------------
def test_the_readme_starts_with_the_space_configuration():
    import streamlit

    readme = (ROOT / "README.md").read_text()
    config, body = front_matter(readme)
    assert config["sdk"] == "streamlit"
    pin = re.search(r"^streamlit==(\S+)", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert config["sdk_version"] == pin == streamlit.__version__
    assert config["python_version"] == "3.11"  # a string: YAML would read 3.10 as 3.1
    assert (ROOT / config["app_file"]).is_file() and config["app_file"] == "app.py"
    assert config["license"] == "mit" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert config["pinned"] is False
    assert config["title"] and config["emoji"]
    colours = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
    assert config["colorFrom"] in colours and config["colorTo"] in colours
    assert 0 < len(config["short_description"]) <= 60
    assert body.lstrip().startswith("# GAN Studio")
    assert "make run" in body and "make test" in body
