#!/usr/bin/env bash
# Issue 31, point 3: which batch size trains fastest to quality on a GPU. One time-to-quality race of our dcgan
# defaults at batch 64, 128, 256 and 512, plus batch 64 without CUDA graphs (what the graph gains in FD per
# minute), 1.25 minutes each, FD every 15 s, no reference (about 8 minutes on a CUDA machine). The winner becomes
# the CUDA default (README, docs/RESULTS.md "On a GPU"). Needs Fashion-MNIST in $GANS_DATA_DIR/fashion-mnist.
# Writes ${OUT:-gpu-out}/ttq-batch/ (results.json, the grids, the plot; run folders without trainer_state.pt).
#   GANS_DATA_DIR=/path/to/datasets bash benchmarks/gpu_batch.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}; mkdir -p "$OUT"
PY=${PY:-python3}
MINUTES=${MINUTES:-1.25}
DEVICE=${DEVICE:-cuda}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
nvidia-smi -L 2>/dev/null
timeout 600 $PY benchmarks/time_to_quality.py --device "$DEVICE" --minutes "$MINUTES" --every 15 --slice 5 \
  --no-reference --out "$OUT/ttq-batch" \
  --variant b64:train.batch_size=64 --variant b128:train.batch_size=128 --variant b256:train.batch_size=256 \
  --variant b512:train.batch_size=512 --variant b64-eager:train.batch_size=64,train.cuda_graphs=off
rm -f "$OUT"/ttq-batch/*/run/trainer_state.pt
ls -la "$OUT/ttq-batch"
