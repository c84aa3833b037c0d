#!/usr/bin/env bash
# Trains the shipped noise-to-image checkpoints with the default engine and recipe (bf16 where the CPU has it,
# EMA of G 0.999 with warm-up), on full Fashion-MNIST (Debian's dataset-fashion-mnist) unless named otherwise.
# Seed 0 and batch 64 for all. Budget: about the same wall time per model on this 2-core CPU when two run side by
# side on one thread each (the README states minutes and images seen of each):
# - dcgan, lsgan: width 64 (the reference's size), 6000 steps;
# - wgan-gp: 5 critic updates per generator step and a fp32 gradient penalty make a step ~5x dearer: width 32,
#   3000 generator steps (15,000 critic updates);
# - cgan: AC-GAN conditioning (D predicts the class; G is trained to be classified as asked), width 64, 6000 steps;
# - vanilla: the MLP GAN with batch norm in G, 20000 cheap steps;
# - dcgan-mini: the embedded 6,000-image subset, with DiffAugment (translation, cutout) against D's overfitting.
# FD / KID / precision / recall of 500 samples every few hundred steps pick best/.
#   bash benchmarks/train_shipped.sh dcgan lsgan    # any of: dcgan lsgan vanilla wgan-gp cgan dcgan-mini (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
common=(--seed 0 --batch-size 64 --ema 0.999 --quiet)
train() { name=$1; shift; rm -rf "checkpoints/$name"; $PY -m gans train "$@" "${common[@]}" --out "checkpoints/$name"; rm -f "checkpoints/$name/trainer_state.pt"; }
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(dcgan lsgan vanilla wgan-gp cgan dcgan-mini)
for model in "${models[@]}"; do
  case $model in
    dcgan|lsgan) train $model-fashion-mnist $model --data fashion-mnist --width 64 --steps 6000 --metric-every 500 ;;
    wgan-gp) train wgan-gp-fashion-mnist wgan-gp --data fashion-mnist --width 32 --steps 3000 --metric-every 250 ;;
    vanilla) train vanilla-fashion-mnist vanilla --data fashion-mnist --steps 20000 --metric-every 1000 \
               --sample-every 1000 --model-arg batchnorm=true ;;
    cgan) train cgan-fashion-mnist cgan --data fashion-mnist --width 64 --steps 6000 --metric-every 500 \
            --model-arg conditioning=auxiliary ;;
    dcgan-mini) train dcgan-fashion-mnist-mini dcgan --data fashion-mnist-mini --width 64 --steps 4000 \
                  --metric-every 500 --model-arg augment=translation,cutout ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
done
