#!/usr/bin/env bash
# Trains the shipped noise-to-image checkpoints with the default engine and recipe and measures time to quality in
# the same runs: benchmarks/time_to_quality.py gives every contestant the same wall-clock budget on this machine,
# in round-robin turns, beside the plain-PyTorch reference DCGAN. Full Fashion-MNIST (Debian's
# dataset-fashion-mnist) unless said otherwise, seed 0, batch 64; each shipped run folder is copied into
# checkpoints/ without its trainer_state.pt. The recipe (README: Time to quality): width 32, Adam 1e-3, EMA 0.999
# with warm-up and its own batch-norm statistics, DiffAugment (translation, cutout) for what D sees, bf16 where the
# CPU computes it natively, channels_last.
# Race 1 (about 60 minutes on a 2-core CPU): the presets with DiffAugment off, beside the reference.
# - dcgan, lsgan, cgan (label-plane D), wgan-gp (Adam 3e-4): 10 minutes each;
# - the embedded 6,000-image subset, 5 minutes, with and without DiffAugment.
# Race 2 (about 22 minutes): the default dcgan (DiffAugment on) against the reference.
#   bash benchmarks/train_shipped.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
RACE1=benchmarks/results/ttq-presets
OUT=benchmarks/results/ttq
$PY benchmarks/time_to_quality.py --minutes 10 --out $RACE1 \
  --variant "ours:augment=none,train.metric_every=500" \
  --variant "lsgan:arch=lsgan,augment=none,train.metric_every=500" \
  --variant "cgan:arch=cgan,augment=none,train.metric_every=500" \
  --variant "wgan-gp:arch=wgan-gp,augment=none,train.lr=3e-4,train.metric_every=250" \
  --variant "mini:data=fashion-mnist-mini,augment=none,minutes=5,train.metric_every=500" \
  --variant "mini-diffaugment:data=fashion-mnist-mini,augment=translation+cutout,minutes=5,train.metric_every=500"
$PY benchmarks/time_to_quality.py --minutes 10 --out $OUT --variant "ours:train.metric_every=500"
# The cGAN, 10 minutes alone (its race entry above had DiffAugment off): DiffAugment on, and a matching-aware D
# (real images under a wrong label count as fake, a tenth of D's fake term) whose wrong labels are half hard
# negatives, drawn from the classes D currently confuses with the true one (README: the cGAN's class fidelity):
rm -rf runs/cgan-shipped
$PY -m gans train cgan --data fashion-mnist --steps 1000000 --max-seconds 600 --out runs/cgan-shipped \
  --model-arg mismatch_weight=0.1 --model-arg mismatch_hard=true
ship() {  # ship FOLDER LABEL NAME: the contestant's run folder becomes checkpoints/NAME
  rm -rf "checkpoints/$3"; cp -r "$1/$2/run" "checkpoints/$3"; rm -f "checkpoints/$3/trainer_state.pt"
  $PY benchmarks/halve_weights.py "checkpoints/$3"  # fp16 on disk: checkpoints/ stays small
}
ship $OUT ours dcgan-fashion-mnist
ship $RACE1 lsgan lsgan-fashion-mnist
ship $RACE1 wgan-gp wgan-gp-fashion-mnist
ship $RACE1 mini-diffaugment dcgan-fashion-mnist-mini
rm -rf checkpoints/cgan-fashion-mnist; cp -r runs/cgan-shipped checkpoints/cgan-fashion-mnist
rm -f checkpoints/cgan-fashion-mnist/trainer_state.pt checkpoints/cgan-fashion-mnist/job.json
$PY benchmarks/halve_weights.py checkpoints/cgan-fashion-mnist
# Super-resolution ×4 (README: Super-resolution): 10,000 steps of pixel MSE alone (the SRResNet baseline, shipped
# as srresnet-offline-photos), then the same run continued with D's content loss and the adversarial loss to
# 12,500 steps (srgan-offline-photos). One CPU thread each (two threads were no faster on this 2-core machine).
rm -rf runs/srresnet-shipped runs/srgan-shipped
OMP_NUM_THREADS=1 $PY -m gans train srgan --data offline-photos --steps 10000 --lr 3e-4 \
  --model-arg pretrain_steps=10000 --sample-every 2000 --out runs/srresnet-shipped
cp -r runs/srresnet-shipped runs/srgan-shipped
OMP_NUM_THREADS=1 $PY -m gans train --resume runs/srgan-shipped --steps 12500
for name in srresnet srgan; do
  rm -rf "checkpoints/$name-offline-photos"; cp -r "runs/$name-shipped" "checkpoints/$name-offline-photos"
  rm -f "checkpoints/$name-offline-photos/trainer_state.pt" "checkpoints/$name-offline-photos/job.json"
  $PY benchmarks/halve_weights.py "checkpoints/$name-offline-photos"
done
$PY benchmarks/upscale_quality.py  # the held-out table into both model cards and the README
# The anomaly detector (normal = trousers, class 1; README: Anomaly detection), 1000 steps on one CPU thread (25 s),
# fp32 weights (0.8 MB; halving would move the stored threshold), and its test-set report for the model card:
rm -rf runs/anomaly-fashion-mnist-trouser
OMP_NUM_THREADS=1 $PY -m gans train anomaly --data fashion-mnist --steps 1000 --sample-every 500 \
  --model-arg normal_class=1 --out runs/anomaly-fashion-mnist-trouser --quiet
rm -rf checkpoints/anomaly-fashion-mnist-trouser; cp -r runs/anomaly-fashion-mnist-trouser checkpoints/
rm -f checkpoints/anomaly-fashion-mnist-trouser/trainer_state.pt checkpoints/anomaly-fashion-mnist-trouser/job.json
$PY benchmarks/anomaly_oneclass.py --checkpoint checkpoints/anomaly-fashion-mnist-trouser
# Text to image (README: Text to image): the defaults (matching-aware D with hard negatives, mode-seeking 0.1),
# 20 minutes on one CPU thread, fp16 weights, and the prompt table (class fidelity, dark vs light) in its card:
rm -rf runs/text2image-shipped
OMP_NUM_THREADS=1 $PY -m gans train text2image --data fashion-mnist --steps 1000000 --max-seconds 1200 \
  --sample-every 1000 --model-arg mode_seeking=0.1 --out runs/text2image-shipped --quiet
rm -rf checkpoints/text2image-fashion-mnist; cp -r runs/text2image-shipped checkpoints/text2image-fashion-mnist
rm -f checkpoints/text2image-fashion-mnist/trainer_state.pt checkpoints/text2image-fashion-mnist/job.json
$PY benchmarks/halve_weights.py checkpoints/text2image-fashion-mnist
OMP_NUM_THREADS=1 $PY benchmarks/text2image_quality.py --n 500
