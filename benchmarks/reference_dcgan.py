"""The plain-PyTorch reference DCGAN the speed and time-to-quality benchmarks compare against.

What a newcomer writes after reading the pytorch/examples DCGAN, at 32 px: nothing tuned, nothing from GAN
Studio. G: a 1×1 noise map through 4×4 transposed convolutions (ngf·4 → ngf·2 → ngf, batch norm and ReLU) to a
32×32 Tanh image; D: the mirror image with LeakyReLU(0.2), batch norm from the second layer, a Sigmoid score.
BCE loss, Adam(2e-4, β=(0.5, 0.999)), batch 64, N(0, 0.02) initial weights, fp32, the default NCHW layout. Data:
a float ``TensorDataset`` in [-1, 1] read by a shuffling ``DataLoader``, as such scripts do. The update order is
the example's: D on a real batch, D on ``G(z).detach()``, then G on the same fakes.
"""

from __future__ import annotations

import os
import platform

import torch
from torch import nn

NOISE = 100


class Generator(nn.Module):
    def __init__(self, ngf: int = 64, channels: int = 1):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NOISE, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),  # 4×4
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),  # 8×8
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),  # 16×16
            nn.ConvTranspose2d(ngf, channels, 4, 2, 1, bias=False), nn.Tanh(),  # 32×32
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf: int = 64, channels: int = 1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),  # 16×16
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(),  # 1×1
        )

    def forward(self, images):
        return self.main(images).view(-1)


def weights_init(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ReferenceDCGAN:
    """The reference's networks, optimizers and data loader; ``step()`` is one training iteration."""

    def __init__(self, images: torch.Tensor, seed: int = 0, batch_size: int = 64, width: int = 64,
                 device: str = "cpu"):
        """``images``: float (N, C, 32, 32) in [-1, 1]."""
        torch.manual_seed(seed)
        channels = images.shape[1]
        self.device = torch.device(device)
        self.generator = Generator(width, channels).to(self.device)
        self.discriminator = Discriminator(width, channels).to(self.device)
        self.generator.apply(weights_init)
        self.discriminator.apply(weights_init)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.criterion = nn.BCELoss()
        self.batch_size = batch_size
        dataset = torch.utils.data.TensorDataset(images)
        self.loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)
        self.batches = iter(self.loader)
        self.steps = 0

    def next_batch(self) -> torch.Tensor:
        try:
            (real,) = next(self.batches)
        except StopIteration:  # a new epoch
            self.batches = iter(self.loader)
            (real,) = next(self.batches)
        return real

    def step(self, real: torch.Tensor | None = None) -> tuple[float, float]:
        """One iteration on the loader's next batch (or on ``real`` when given)."""
        real = (self.next_batch() if real is None else real).to(self.device)
        n = real.size(0)
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)
        self.discriminator.zero_grad()
        loss_real = self.criterion(self.discriminator(real), ones)
        loss_real.backward()
        fake = self.generator(torch.randn(n, NOISE, 1, 1, device=self.device))
        loss_fake = self.criterion(self.discriminator(fake.detach()), zeros)
        loss_fake.backward()
        self.opt_d.step()
        self.generator.zero_grad()
        loss_g = self.criterion(self.discriminator(fake), ones)
        loss_g.backward()
        self.opt_g.step()
        self.steps += 1
        return (loss_real + loss_fake).item(), loss_g.item()

    @torch.no_grad()
    def sample(self, z: torch.Tensor) -> torch.Tensor:
        """Images for latent vectors (N, 100) in eval mode (batch-norm running statistics), as our models."""
        self.generator.eval()
        try:
            return self.generator(z[:, :, None, None].to(self.device)).float().cpu()
        finally:
            self.generator.train()


def machine_line() -> str:
    """The CPU, its bf16 capability and what ``auto`` picks: printed by every benchmark."""
    from gans.ops.devices import cpu_model, resolve_device
    from gans.ops.precision import CPU_BF16_FLAGS, auto_precision_note, cpu_flags

    flags = cpu_flags()
    bf16 = [flag for flag in CPU_BF16_FLAGS if flag in flags]
    device = resolve_device("auto")
    gpu = f"GPU: {torch.cuda.get_device_name(device)}; " if device.type == "cuda" else ""
    return (f"{gpu}CPU: {cpu_model()}, {os.cpu_count()} logical cores, native bf16: "
            f"{'yes (' + ', '.join(bf16) + ')' if bf16 else 'no'}; precision auto → {auto_precision_note()}; "
            f"torch {torch.__version__}, {torch.get_num_threads()} threads; Python {platform.python_version()}")
