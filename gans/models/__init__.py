"""Every model of the library. Adding a GAN = one new file + one import line here."""

from . import dcgan  # noqa: F401  dcgan, wgan, wgan-gp, lsgan, cgan
from . import vanilla  # noqa: F401  vanilla
