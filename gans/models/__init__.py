"""Every model of the library. Adding a GAN = one new file + one import line here."""

from . import (
    anomaly,  # noqa: F401  anomaly (one-class anomaly detection: f-AnoGAN / GANomaly)
    colorizer,  # noqa: F401  colorizer (grayscale → colour photos, CIE Lab)
    cyclegan,  # noqa: F401  cyclegan (unpaired image-to-image)
    dcgan,  # noqa: F401  dcgan, wgan, wgan-gp, lsgan, cgan
    pix2pix,  # noqa: F401  pix2pix (paired image-to-image)
    sagan,  # noqa: F401  sagan (self-attention GAN)
    srgan,  # noqa: F401  srgan (super-resolution)
    stylegan,  # noqa: F401  stylegan (StyleGAN2-style generator)
    text2image,  # noqa: F401  text2image (text-conditional GAN, matching-aware D)
    vanilla,  # noqa: F401  vanilla
)
