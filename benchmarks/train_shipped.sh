#!/usr/bin/env bash
# Trains the shipped noise-to-image checkpoints on full Fashion-MNIST (Debian's dataset-fashion-mnist).
# Same seed (0), batch (64), width (32) and budget for all: 3000 discriminator updates = 192,000 real images
# (WGAN-GP makes 5 critic updates per generator step, so 600 of its steps are the same budget).
# G is sampled from an EMA of its weights (decay 0.995). FD / KID / precision / recall of 500 samples every 250 steps (50 for WGAN-GP) pick best/.
#   bash benchmarks/train_shipped.sh a    # dcgan, lsgan, vanilla       (one chain per core)
#   bash benchmarks/train_shipped.sh b    # wgan-gp, cgan
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
common=(--data fashion-mnist --seed 0 --batch-size 64 --ema 0.995 --quiet)
train() { name=$1; shift; rm -rf "checkpoints/$name"; $PY -m gans train "$@" "${common[@]}" --out "checkpoints/$name"; rm -f "checkpoints/$name/trainer_state.pt"; }
case "${1:-all}" in
  a|all)
    train dcgan-fashion-mnist dcgan --width 32 --steps 3000 --metric-every 250
    train lsgan-fashion-mnist lsgan --width 32 --steps 3000 --metric-every 250
    train vanilla-fashion-mnist vanilla --steps 3000 --metric-every 250 ;;&
  b|all)
    train wgan-gp-fashion-mnist wgan-gp --width 32 --steps 600 --metric-every 50
    train cgan-fashion-mnist cgan --width 32 --steps 4000 --metric-every 250 ;;
esac
