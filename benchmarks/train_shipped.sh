#!/usr/bin/env bash
# Trains the shipped noise-to-image checkpoints on full Fashion-MNIST (Debian's dataset-fashion-mnist).
# Same seed (0), batch (64) and width (32) for all; DCGAN, LSGAN and WGAN-GP (the Compare page's preset) get the
# same budget of 3000 generator steps (WGAN-GP's critic makes 5 updates per generator step, so it sees 5x the
# images). The MLP vanilla GAN is cheap per step and slow to converge: 20000 steps, with batch norm in G (the
# plain MLP G levelled off at FD ~190 of 500 samples after 10000 steps; with batch norm: ~150 at 13000). The cGAN
# uses the label-plane ("concat") discriminator: with the projection discriminator (also with spectral norm) it
# collapsed within each class (recall ~0.01 at 1500 steps vs ~0.09 with concat).
# G is sampled from an EMA of its weights (decay 0.995). FD / KID / precision / recall of 500 samples every 250 steps
# (1000 for vanilla) pick best/.
#   bash benchmarks/train_shipped.sh dcgan lsgan    # any of: dcgan lsgan vanilla wgan-gp cgan (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
common=(--data fashion-mnist --seed 0 --batch-size 64 --ema 0.995 --quiet)
train() { name=$1; shift; rm -rf "checkpoints/$name"; $PY -m gans train "$@" "${common[@]}" --out "checkpoints/$name"; rm -f "checkpoints/$name/trainer_state.pt"; }
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(dcgan lsgan vanilla wgan-gp cgan)
for model in "${models[@]}"; do
  case $model in
    dcgan|lsgan) train $model-fashion-mnist $model --width 32 --steps 3000 --metric-every 250 ;;
    wgan-gp) train wgan-gp-fashion-mnist wgan-gp --width 32 --steps 3000 --metric-every 250 ;;
    vanilla) train vanilla-fashion-mnist vanilla --steps 20000 --metric-every 1000 --sample-every 1000 \
               --model-arg batchnorm=true ;;
    cgan) train cgan-fashion-mnist cgan --width 32 --steps 4000 --metric-every 250 --model-arg conditioning=concat ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
done
