"""Every model of the library. Adding a GAN = one new file + one import line here."""

from . import dcgan  # noqa: F401  dcgan, wgan, wgan-gp, lsgan, cgan
from . import vanilla  # noqa: F401  vanilla
from . import pix2pix  # noqa: F401  pix2pix (paired image-to-image)
from . import cyclegan  # noqa: F401  cyclegan (unpaired image-to-image)
from . import colorizer  # noqa: F401  colorizer (grayscale → colour photos, CIE Lab)
from . import sagan  # noqa: F401  sagan (self-attention GAN)
from . import stylegan  # noqa: F401  stylegan (StyleGAN2-style generator)
from . import srgan  # noqa: F401  srgan (super-resolution)
from . import anomaly  # noqa: F401  anomaly (one-class anomaly detection: f-AnoGAN / GANomaly)
from . import text2image  # noqa: F401  text2image (text-conditional GAN, matching-aware D)
