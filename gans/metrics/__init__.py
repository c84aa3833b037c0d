"""Image-quality metrics for generated images: PSNR, SSIM (Wang et al. 2004) and colourfulness
(Hasler & Süsstrunk 2003). All take tensors in [0, 1] and return one value per image."""

from .image_quality import colorfulness, high_frequency_energy, psnr, ssim

__all__ = ["colorfulness", "high_frequency_energy", "psnr", "ssim"]
