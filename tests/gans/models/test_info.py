"""What models and datasets declare for forms (gans.models.info, registry.model_info, the dataset registry's
needs_folder), and the Train form's rules built on it (gans.views.train_form)."""

import pytest
import torch

import gans
from gans.data.registry import folder_dataset, list_datasets, load_dataset, registered_datasets
from gans.errors import ConfigError, DatasetError, UnknownNameError
from gans.models.info import ANY_IMAGE_SIZE, Setting, describe_model
from gans.registry import create, default_model, model_defaults, model_info, register, unregister
from gans.views.train_form import train_form, train_request

MODELS = gans.list_models()
KINDS = ("images", "paired", "unpaired", "photos")


def builds(name: str, **kwargs) -> bool:
    """Whether the model accepts these arguments (built on the meta device: no memory, no weights)."""
    try:
        with torch.device("meta"):
            create(name, **kwargs)
    except ConfigError:
        return False
    return True


# ---- every registered model ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_the_declared_dataset_is_registered_and_of_the_models_kind(name):
    info = model_info(name)
    datasets = {dataset.name: dataset for dataset in registered_datasets()}
    assert info.default_dataset in datasets
    assert datasets[info.default_dataset].kind == info.data_kind == gans.registry.model_class(name).data_kind
    assert not datasets[info.default_dataset].needs_folder, "a demo the form can start without a path"


@pytest.mark.parametrize("name", MODELS)
def test_the_declared_image_sizes_are_the_ones_the_model_accepts(name):
    info = model_info(name)
    assert info.image_size == model_defaults(name)["image_size"] and info.image_size in info.image_sizes
    assert info.image_sizes != ANY_IMAGE_SIZE, f"{name} declares its sizes"
    for size in info.image_sizes:
        assert builds(name, image_size=size), size
    for size in set(ANY_IMAGE_SIZE) - set(info.image_sizes):
        assert not builds(name, image_size=size), f"{name} accepts {size} px but does not declare it"


@pytest.mark.parametrize("name", MODELS)
def test_the_declared_losses_are_the_ones_the_model_accepts(name):
    info = model_info(name)
    if "loss" not in model_defaults(name):
        assert info.losses == ()
        return
    assert model_defaults(name)["loss"] in info.losses
    for loss in info.losses:
        assert builds(name, loss=loss), loss
    for loss in set(gans.models.nn.losses.LOSSES) - set(info.losses):
        assert not builds(name, loss=loss), f"{name} accepts {loss} but does not declare it"


@pytest.mark.parametrize("name", MODELS)
def test_each_setting_is_an_argument_whose_form_value_gives_back_the_default(name):
    info, defaults = model_info(name), model_defaults(name)
    assert info.settings, f"{name} declares its advanced settings"
    for setting in info.settings:
        assert setting.name in defaults and setting.default == defaults[setting.name]
        if setting.kind in ("choice", "multichoice"):
            assert setting.choices, setting.name
        arguments = setting.to_arguments(setting.initial_value())
        if setting.kind == "multichoice":  # "a,b" comes back as "a,b"; "" (the default) keeps the default
            assert arguments in ({}, {setting.name: defaults[setting.name]})
        else:
            assert arguments == {setting.name: defaults[setting.name]}
    assert builds(name, **info.setting_arguments({s.name: s.initial_value() for s in info.settings}))


def test_settings_a_model_does_not_take_are_left_out():
    names = lambda model: {setting.name for setting in model_info(model).settings}  # noqa: E731
    assert {"n_critic", "clip_value", "gp_weight", "augment", "ema_decay"} <= names("dcgan")
    assert "n_critic" not in names("vanilla") and "augment" in names("vanilla"), "vanilla has no critic steps"
    assert {"cycle_weight", "pool_size"} <= names("cyclegan") and "loss" not in names("cyclegan")
    assert {"l1_weight", "loss", "width"} <= names("pix2pix") and "cycle_weight" not in names("pix2pix")
    assert "pretrain_steps" in names("colorizer") and "ema_decay" not in names("colorizer")


def test_presets_share_their_class_declaration_with_their_own_defaults():
    wgan = {setting.name: setting.default for setting in model_info("wgan").settings}
    assert wgan["loss"] == "wasserstein" and wgan["n_critic"] == 5 and wgan["clip_value"] == 0.01
    assert model_info("wgan").lr == 5e-5 and model_info("dcgan").lr == 1e-3
    assert model_info("wgan").image_sizes == model_info("dcgan").image_sizes


def test_task_defaults_of_the_shipped_models():
    """What the Train page and the CLI start from (they were page tables before)."""
    dcgan, pix2pix, colorizer = model_info("dcgan"), model_info("pix2pix"), model_info("colorizer")
    assert (dcgan.task, dcgan.steps, dcgan.batch_size, dcgan.metric_every) == ("generate", 2000, 64, 200)
    assert (pix2pix.task, pix2pix.steps, pix2pix.batch_size, pix2pix.metric_every) == ("translate", 1000, 16, 0)
    assert (colorizer.task, colorizer.steps, colorizer.batch_size) == ("colorize", 1000, 16)
    assert dcgan.default_dataset == "fashion-mnist-mini" and pix2pix.default_dataset == "edges2fashion"
    assert model_info("cyclegan").default_dataset == "sneaker2boot"
    assert pix2pix.losses == ("bce", "ls", "hinge") and "wasserstein" in dcgan.losses
    assert default_model() == "dcgan"


def test_a_class_that_declares_nothing_gets_the_defaults_of_its_task():
    bare = type("Bare", (), {"task": "translate", "data_kind": "paired"})
    info = describe_model("bare", bare, {"image_size": 48, "loss": "bce", "width": 8})
    assert (info.steps, info.batch_size, info.metric_every) == (1000, 16, 0)
    assert info.image_sizes == tuple(sorted({*ANY_IMAGE_SIZE, 48})) and info.image_size == 48
    assert info.losses == gans.models.nn.losses.LOSSES and info.settings == ()
    assert info.default_dataset == next(d.name for d in registered_datasets() if d.kind == "paired"
                                        and not d.needs_folder)
    noise = describe_model("noise", type("Noise", (), {}), {"image_size": 32})
    assert (noise.task, noise.data_kind, noise.steps, noise.batch_size, noise.metric_every) == \
        ("generate", "images", 2000, 64, 200)
    assert noise.losses == ()


def test_unknown_names_are_the_registrys_error():
    with pytest.raises(UnknownNameError, match="Did you mean 'dcgan'"):
        model_info("dcgna")


# ---- settings: form value → init argument ---------------------------------------------------------------------
def test_setting_conversions():
    clip = Setting("clip_value", "Clip", "float", zero_is_none=True, default=None)
    assert clip.initial_value() == 0.0 and clip.to_arguments(0.0) == {"clip_value": None}
    assert clip.to_arguments(0.01) == {"clip_value": 0.01}
    augment = Setting("augment", "Aug", "multichoice", choices=("color", "cutout", "none"), off_choice="none",
                      default="color,cutout")
    assert augment.initial_value() == ["color", "cutout"]
    assert augment.to_arguments([]) == {}, "empty keeps the model's default"
    assert augment.to_arguments(["cutout", "none"]) == {"augment": "none"}, "'none' wins"
    assert augment.to_arguments(["cutout", "color"]) == {"augment": "cutout,color"}
    steps = Setting("pretrain_steps", "Pre", "int", default=0)
    assert steps.to_arguments(12.0) == {"pretrain_steps": 12} and isinstance(steps.initial_value(), int)
    loss = Setting("loss", "Loss", "choice", choices=("bce", "ls"), default="ls")
    assert loss.choice_index() == 1 and loss.to_arguments("bce") == {"loss": "bce"}
    assert Setting("sn", "SN", "bool", default=False).to_arguments(1) == {"sn": True}
    with pytest.raises(ValueError, match="kind must be one of"):
        Setting("x", "X", "slider")


# ---- registering and unregistering ---------------------------------------------------------------------------
def test_unregister_removes_a_model_and_only_a_known_one():
    @register("info-test-model")
    def factory(**kwargs):
        """A preset of dcgan for this test"""
        return create("dcgan", **kwargs)

    factory.model_class = gans.registry.model_class("dcgan")
    try:
        assert "info-test-model" in gans.list_models()
        assert model_info("info-test-model").summary == "A preset of dcgan for this test"
    finally:
        unregister("info-test-model")
    assert "info-test-model" not in gans.list_models()
    with pytest.raises(UnknownNameError):
        unregister("info-test-model")


# ---- datasets: which need a folder -----------------------------------------------------------------------------
def test_each_kind_has_one_folder_dataset_with_a_label():
    expected = {"images": "folder", "paired": "paired-folder", "unpaired": "unpaired-folder",
                "photos": "photo-folder"}
    for kind in KINDS:
        folder = folder_dataset(kind)
        assert folder.name == expected[kind] and folder.needs_folder and folder.kind == kind
        assert folder.folder_label.startswith("Folder or .zip")
    assert {d.name for d in registered_datasets() if d.needs_folder} == set(expected.values())
    assert all(d.folder_label == "" for d in list_datasets() if not d.needs_folder)
    assert [d.name for d in list_datasets("paired")] == [d.name for d in registered_datasets() if d.kind == "paired"]


@pytest.mark.parametrize("name", ["folder", "paired-folder", "unpaired-folder", "photo-folder"])
def test_a_folder_dataset_without_a_path_says_so(name):
    with pytest.raises(DatasetError, match="needs a path"):
        load_dataset(name)


def test_a_dataset_that_needs_a_folder_must_say_what_it_holds():
    from gans.data.registry import register_dataset

    with pytest.raises(ValueError, match="folder_label"):
        register_dataset("no-label", description="", num_classes=0, needs_folder=True)


# ---- the Train form's rules -----------------------------------------------------------------------------------
def test_the_form_offers_the_kinds_datasets_and_preselects_the_demo():
    form = train_form("pix2pix")
    assert form.dataset_names == [d.name for d in list_datasets("paired")]
    assert form.dataset_names[form.default_dataset_index()] == "edges2fashion"
    assert form.folder.name == "paired-folder" and "A|B" in form.folder_label and "paired-folder" in form.folder_label


def test_an_unavailable_demo_falls_back_to_the_folder_dataset(monkeypatch):
    import dataclasses

    form = train_form("colorizer")
    offline = [dataclasses.replace(d, available=d.name != "offline-photos") for d in form.datasets]
    form = dataclasses.replace(form, datasets=tuple(offline))
    assert form.dataset_names[form.default_dataset_index()] == "photo-folder"
    assert form.dataset_label("offline-photos") == "offline-photos (not on this machine)"


def request(form, **values):
    base = {"steps": 10, "batch_size": 4, "image_size": form.info.image_size, "lr": 2e-4}
    return train_request(form, **{**base, **values})


def test_the_request_holds_the_forms_values(tmp_path, monkeypatch):
    form = train_form("dcgan")
    job = request(form, dataset="fashion-mnist-mini", metric_every=5, lr_d=0.0, precision="fp32",
                  settings={"loss": "hinge", "clip_value": 0.0, "augment": ["none"], "n_critic": 2})
    assert job.model == "dcgan" and job.data.name == "fashion-mnist-mini" and job.data.path is None
    assert (job.train.steps, job.train.batch_size, job.train.metric_every, job.train.lr_d) == (10, 4, 5, None)
    assert job.train.precision == "fp32" and job.train.log_every == 1 and job.train.sample_every == 1
    assert job.model_kwargs == {"image_size": 32, "loss": "hinge", "clip_value": None, "augment": "none",
                                "n_critic": 2}
    assert job.notes == []


def test_the_request_drops_fd_where_no_feature_network_exists(tmp_path):
    job = request(train_form("dcgan"), dataset="folder", folder=str(tmp_path), metric_every=5)
    assert job.train.metric_every == 0 and job.data.path == str(tmp_path)
    assert [level for level, _ in job.notes] == ["info"] and "FD is measured on" in job.notes[0][1]


def test_a_folder_dataset_needs_a_path_and_an_upload_needs_the_folder_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_RUNS_DIR", str(tmp_path))
    form = train_form("cyclegan")
    with pytest.raises(ConfigError, match="unpaired-folder dataset needs a path"):
        request(form, dataset="unpaired-folder", folder="  ")
    with pytest.raises(ConfigError, match="read by the unpaired-folder dataset"):
        request(form, dataset="sneaker2boot", upload=("my sets.zip", b"PK"))
    assert not (tmp_path / "uploads").exists(), "nothing kept for a refused upload"
    job = request(form, dataset="unpaired-folder", upload=("my sets.zip", b"PK"))
    kept = list((tmp_path / "uploads").glob("*.zip"))
    assert len(kept) == 1 and kept[0].name.endswith("-my-sets.zip") and job.data.path == str(kept[0])
    request(form, dataset="unpaired-folder", upload=("my sets.zip", b"PK"))
    assert len(list((tmp_path / "uploads").glob("*.zip"))) == 1, "the same content is kept once"
