"""Inception-v3 features for the classic FID, used when Inception weights are present on this computer.

GAN Studio cannot download weights (offline machines, CI), so its own FD (gans.metrics.features) is always
there; the Inception FID is added by ``python -m gans evaluate`` when a weights file is found:

1. the file named by ``GANS_INCEPTION_WEIGHTS``, else
2. in PyTorch's hub cache (``$TORCH_HOME/hub/checkpoints``, by default ``~/.cache/torch/hub/checkpoints``):
   ``pt_inception-2015-12-05-6726825d.pth`` (the TensorFlow FID graph as a PyTorch state dict, the weights
   published FIDs use), else ``inception_v3_google-0cc3c7bd.pth`` (torchvision's ImageNet Inception-v3).

The network is Inception-v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer Vision"),
written here with the parameter names those state dicts use. The FID weights (1008 classes) come from the
TensorFlow graph, whose pooling differs in two places: average pools in the mixed blocks leave the padding out of
the mean, and the last block's pool branch takes a max. Which variant is built is read from the weights.

Protocol: images in [-1, 1] (gray repeated to 3 channels) resized to 299 × 299 bilinearly, the 2048-d output
of the global average pool is the feature; FID is the Fréchet distance of those features.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .features import MetricUnavailableError

INPUT_SIZE = 299
FEATURE_DIM = 2048
#: Weight files looked for in the hub cache, best first: (file name, description).
KNOWN_WEIGHTS = (
    ("pt_inception-2015-12-05-6726825d.pth", "TensorFlow FID Inception-v3 (the weights of published FIDs)"),
    ("inception_v3_google-0cc3c7bd.pth",
     "torchvision ImageNet Inception-v3 (FIDs close to, not equal to, published ones)"),
    ("inception_v3_google-1a9a5a14.pth",
     "torchvision ImageNet Inception-v3 (FIDs close to, not equal to, published ones)"),
)


class Conv(nn.Module):
    """Convolution without bias, batch norm (ε = 0.001) and ReLU: Inception's basic unit."""

    def __init__(self, cin: int, cout: int, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _average_pool(x: torch.Tensor, tf_pooling: bool) -> torch.Tensor:
    """3×3, stride 1, same-size average pool; TensorFlow's leaves the padded zeros out of the mean."""
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=not tf_pooling)


class MixedA(nn.Module):
    """35 × 35 block: 1×1, 5×5, double 3×3 and pool branches (Mixed_5b/5c/5d)."""

    def __init__(self, cin: int, pool_features: int, tf_pooling: bool):
        super().__init__()
        self.tf_pooling = tf_pooling
        self.branch1x1 = Conv(cin, 64, 1)
        self.branch5x5_1 = Conv(cin, 48, 1)
        self.branch5x5_2 = Conv(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = Conv(cin, 64, 1)
        self.branch3x3dbl_2 = Conv(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = Conv(96, 96, 3, padding=1)
        self.branch_pool = Conv(cin, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_average_pool(x, self.tf_pooling)),
        ], 1)


class ReductionB(nn.Module):
    """35 → 17 grid reduction (Mixed_6a): stride-2 3×3, stride-2 double 3×3 and max-pool branches."""

    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3 = Conv(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = Conv(cin, 64, 1)
        self.branch3x3dbl_2 = Conv(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = Conv(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, 3, stride=2),
        ], 1)


class MixedC(nn.Module):
    """17 × 17 block with factorised 7×7 convolutions (1×7 then 7×1) (Mixed_6b–6e)."""

    def __init__(self, cin: int, channels_7x7: int, tf_pooling: bool):
        super().__init__()
        c = channels_7x7
        self.tf_pooling = tf_pooling
        self.branch1x1 = Conv(cin, 192, 1)
        self.branch7x7_1 = Conv(cin, c, 1)
        self.branch7x7_2 = Conv(c, c, (1, 7), padding=(0, 3))
        self.branch7x7_3 = Conv(c, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = Conv(cin, c, 1)
        self.branch7x7dbl_2 = Conv(c, c, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = Conv(c, c, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = Conv(c, c, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = Conv(c, 192, (1, 7), padding=(0, 3))
        self.branch_pool = Conv(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            double,
            self.branch_pool(_average_pool(x, self.tf_pooling)),
        ], 1)


class ReductionD(nn.Module):
    """17 → 8 grid reduction (Mixed_7a)."""

    def __init__(self, cin: int):
        super().__init__()
        self.branch3x3_1 = Conv(cin, 192, 1)
        self.branch3x3_2 = Conv(192, 320, 3, stride=2)
        self.branch7x7x3_1 = Conv(cin, 192, 1)
        self.branch7x7x3_2 = Conv(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = Conv(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = Conv(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seven = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), seven, F.max_pool2d(x, 3, stride=2)], 1)


class MixedE(nn.Module):
    """8 × 8 block with expanded 1×3 / 3×1 branches (Mixed_7b, 7c). ``pool``: "average" or "max"."""

    def __init__(self, cin: int, pool: str, tf_pooling: bool):
        super().__init__()
        self.pool, self.tf_pooling = pool, tf_pooling
        self.branch1x1 = Conv(cin, 320, 1)
        self.branch3x3_1 = Conv(cin, 384, 1)
        self.branch3x3_2a = Conv(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = Conv(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = Conv(cin, 448, 1)
        self.branch3x3dbl_2 = Conv(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = Conv(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = Conv(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = Conv(cin, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        three = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.pool == "max" else _average_pool(x, self.tf_pooling)
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(three), self.branch3x3_2b(three),
            self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double),
            self.branch_pool(pooled),
        ], 1)


class InceptionV3(nn.Module):
    """Inception-v3 without the auxiliary classifier. ``tf_fid=True`` builds the TensorFlow FID graph's pooling
    (use with the 1008-class FID weights); ``features`` gives the 2048-d pool output, ``forward`` the logits."""

    def __init__(self, num_classes: int = 1000, tf_fid: bool = False):
        super().__init__()
        self.tf_fid = tf_fid
        self.Conv2d_1a_3x3 = Conv(3, 32, 3, stride=2)  # 299 → 149
        self.Conv2d_2a_3x3 = Conv(32, 32, 3)  # → 147
        self.Conv2d_2b_3x3 = Conv(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = Conv(64, 80, 1)  # after a max pool: → 73
        self.Conv2d_4a_3x3 = Conv(80, 192, 3)  # → 71, then a max pool: → 35
        self.Mixed_5b = MixedA(192, 32, tf_fid)  # 256 channels
        self.Mixed_5c = MixedA(256, 64, tf_fid)  # 288
        self.Mixed_5d = MixedA(288, 64, tf_fid)  # 288
        self.Mixed_6a = ReductionB(288)  # 768 channels, 17 × 17
        self.Mixed_6b = MixedC(768, 128, tf_fid)
        self.Mixed_6c = MixedC(768, 160, tf_fid)
        self.Mixed_6d = MixedC(768, 160, tf_fid)
        self.Mixed_6e = MixedC(768, 192, tf_fid)
        self.Mixed_7a = ReductionD(768)  # 1280 channels, 8 × 8
        self.Mixed_7b = MixedE(1280, "average", tf_fid)  # 2048
        self.Mixed_7c = MixedE(2048, "max" if tf_fid else "average", tf_fid)  # 2048
        self.fc = nn.Linear(FEATURE_DIM, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 299, 299) in [-1, 1] → (N, 2048)."""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        return F.adaptive_avg_pool2d(x, 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def hub_folder() -> Path:
    """PyTorch's hub cache of downloaded weights ($TORCH_HOME/hub/checkpoints, by default under ~/.cache/torch)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def find_inception_weights() -> tuple[Path, str] | None:
    """(weights file, description) from ``GANS_INCEPTION_WEIGHTS`` or the hub cache, or None when there is none.

    A ``GANS_INCEPTION_WEIGHTS`` that names no file is an error (a typo should not silently drop the FID)."""
    named = os.environ.get("GANS_INCEPTION_WEIGHTS", "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise MetricUnavailableError(f"GANS_INCEPTION_WEIGHTS names {path}, which is not a file; point it at an "
                                         f"Inception-v3 state dict such as {KNOWN_WEIGHTS[0][0]}, or unset it")
        return path, "Inception-v3 weights from GANS_INCEPTION_WEIGHTS"
    folder = hub_folder()
    for name, description in KNOWN_WEIGHTS:
        if (folder / name).is_file():
            return folder / name, description
    return None


def inception_search_note() -> str:
    """Where the weights are looked for, for messages and the evaluate protocol."""
    folder = hub_folder()
    return (f"no Inception-v3 weights found (set GANS_INCEPTION_WEIGHTS, or put {KNOWN_WEIGHTS[0][0]} in {folder}); "
            f"FD is measured in GAN Studio's own feature space only")


@lru_cache(maxsize=2)
def load_inception(path: str) -> InceptionV3:
    """Inception-v3 in eval mode with the state dict in ``path``; a clear error for anything else."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same sentence
        raise MetricUnavailableError(f"cannot read Inception weights from {path}: {error}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not torch.is_tensor(state.get("fc.weight")):
        raise MetricUnavailableError(f"{path} is not an Inception-v3 state dict (no fc.weight tensor)")
    # The auxiliary classifier is not used; BN step counters are absent from older files and never used in eval.
    state = {key: value for key, value in state.items()
             if not key.startswith("AuxLogits.") and not key.endswith("num_batches_tracked")}
    num_classes = state["fc.weight"].shape[0]
    with torch.random.fork_rng(devices=[]):  # random initial weights are overwritten: keep the caller's RNG
        network = InceptionV3(num_classes=num_classes, tf_fid=num_classes == 1008)
    expected = {key for key in network.state_dict() if not key.endswith("num_batches_tracked")}
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise MetricUnavailableError(
            f"{path} does not match Inception-v3: {len(missing)} missing parameters ({', '.join(missing[:3])}…) and "
            f"{len(unexpected)} unexpected ({', '.join(unexpected[:3])}…)")
    try:
        network.load_state_dict(state, strict=False)  # every other key was checked above
    except RuntimeError as error:
        reason = str(error).splitlines()[-1].strip()
        raise MetricUnavailableError(f"{path} does not match Inception-v3: {reason}") from None
    return network.eval()


def to_inception_input(images: torch.Tensor) -> torch.Tensor:
    """(N, 1 or 3, H, W) in [-1, 1] → (N, 3, 299, 299): gray repeated to RGB, bilinear resize."""
    images = images.float()
    if images.shape[1] == 1:
        images = images.repeat(1, 3, 1, 1)
    return F.interpolate(images, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False)


@torch.no_grad()
def inception_features(network: InceptionV3, images: torch.Tensor, batch_size: int = 50) -> torch.Tensor:
    """(N, 2048) float64 pool features of images in [-1, 1], in batches."""
    return torch.cat([network.features(to_inception_input(chunk.cpu())).double()
                      for chunk in images.split(batch_size)])
