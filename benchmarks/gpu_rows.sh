#!/usr/bin/env bash
# The GPU rows of the README's "Time to quality" (issue 13, point 7), in one run of about 12 minutes on a CUDA
# machine: step_speed.py (auto = bf16 autocast + channels_last + CUDA graphs; the same without the graphs; fp32),
# time_to_quality.py (1.5 minutes each, FD every 15 s), then the cGAN trained for 265 s. (Two trainings side by side
# on one GPU each ran ~4x slower: without MPS the GPU time-slices between processes, so one at a time.)
# Needs Fashion-MNIST in $GANS_DATA_DIR/fashion-mnist. Writes to ${OUT:-gpu-out}: the JSON and logs, and the run
# folders as .tar.gz (trainer_state.pt left out).
#   GANS_DATA_DIR=/path/to/datasets bash benchmarks/gpu_rows.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}; mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
WORK=$(mktemp -d)
nvidia-smi -L; $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
timeout 100 $PY benchmarks/step_speed.py --device cuda --rounds 20 --block 20 --json "$OUT/step_speed_cuda_auto.json"
timeout 60 $PY benchmarks/step_speed.py --device cuda --cuda-graphs off --rounds 20 --block 20 --skip-model-level \
  --json "$OUT/step_speed_cuda_eager.json"  # the same step without CUDA graphs (issue 31: what the graph gains)
timeout 60 $PY benchmarks/step_speed.py --device cuda --precision fp32 --rounds 20 --block 20 --skip-model-level \
  --json "$OUT/step_speed_cuda_fp32.json"
timeout 240 $PY benchmarks/time_to_quality.py --device cuda --minutes 1.5 --every 15 --slice 5 --out "$WORK/ttq-gpu"
rm -rf "$WORK"/ttq-gpu/*/run/trainer_state.pt
tar -czf "$OUT/ttq-gpu.tar.gz" -C "$WORK" ttq-gpu
rm -rf "$WORK/ttq-gpu"
timeout 300 $PY -m gans train cgan --data fashion-mnist --device cuda --steps 1000000 --max-seconds 265 \
  --sample-every 2000 --checkpoint-every 10000 --metric-every 2000 --quiet --out "$WORK/cgan-gpu-long" \
  > "$OUT/cgan-gpu-long.log" 2>&1
rm -f "$WORK/cgan-gpu-long/trainer_state.pt"
tar -czf "$OUT/cgan-gpu-long.tar.gz" -C "$WORK" cgan-gpu-long
ls -la "$OUT"
