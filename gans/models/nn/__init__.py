"""The parts networks are built from: layers (conv blocks, U-Net, PatchGAN, ResNet blocks, self-attention),
losses (BCE, least squares, Wasserstein, hinge, gradient penalty, R1) and differentiable augmentation."""
