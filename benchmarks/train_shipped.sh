#!/usr/bin/env bash
# Trains the shipped checkpoints. The noise-to-image ones (issue 31): full Fashion-MNIST (Debian's
# dataset-fashion-mnist), seed 0, batch 64, the default recipe (README: Time to quality: width 32, Adam 1e-3, EMA
# 0.999 with its own batch-norm statistics, DiffAugment translation + cutout, bf16 where the CPU computes it
# natively, channels_last), a fixed number of steps with the learning rates falling linearly to 0 over the last
# half (--lr-decay 0.5), two runs side by side on one CPU thread each (about 25 minutes a pair on a 2-core CPU).
# Each shipped folder is the run without trainer_state.pt and job.json, fp16 weights, and no best/ when best/ holds
# the final weights anyway.
#   bash benchmarks/train_shipped.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORK=${WORK:-runs/shipped}
mkdir -p "$WORK"
noise() {  # noise NAME MODEL ARGS...: train one noise-to-image run into $WORK/NAME on one thread
  local name=$1; shift
  rm -rf "${WORK:?}/$name"
  OMP_NUM_THREADS=1 $PY -m gans train "$@" --lr-decay 0.5 --metric-samples 1000 --sample-every 2000 \
    --checkpoint-every 2000 --out "$WORK/$name" --quiet
}
ship() {  # ship RUN NAME: the run folder RUN becomes checkpoints/NAME
  rm -rf "checkpoints/$2"; cp -r "$1" "checkpoints/$2"
  rm -f "checkpoints/$2/trainer_state.pt" "checkpoints/$2/job.json"
  sed -i "s|gans.load(\"$(basename "$1")\")|gans.load(\"$2\")|" "checkpoints/$2/README.md"  # the folder's own name
  if cmp -s "checkpoints/$2/best/model.safetensors" "checkpoints/$2/model.safetensors"; then
    rm -r "checkpoints/$2/best"
  fi
  $PY benchmarks/halve_weights.py "checkpoints/$2"  # fp16 on disk: checkpoints/ stays small
}
noise dcgan dcgan --data fashion-mnist --steps 30000 --metric-every 5000 &
# LSGAN (the fifth session): 40,000 steps at half the preset's rate (5e-4); at 1e-3 it stopped at FD 23.5, and its
# fine-tunes at 21.8:
noise lsgan lsgan --data fashion-mnist --steps 40000 --lr 5e-4 --metric-every 5000 &
wait
ship "$WORK/lsgan" lsgan-fashion-mnist
# The DCGAN continued to 45,000 steps (the learning rates back up to two thirds of full, falling to 0 again); the
# shipped weights are its best/ (step 40,000, the lowest in-loop FD), so the shipped events and samples end there:
OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/dcgan" --steps 45000 --quiet
ship "$WORK/dcgan" dcgan-fashion-mnist
cp "$WORK/dcgan/best/model.safetensors" checkpoints/dcgan-fashion-mnist/model.safetensors
rm -rf checkpoints/dcgan-fashion-mnist/best
$PY benchmarks/halve_weights.py checkpoints/dcgan-fashion-mnist
$PY - "$WORK/dcgan" <<'PY'
import json, sys
from pathlib import Path
from gans.io.checkpoints import RunDir
from gans.training.trainer import write_progress_gif
source, run = Path(sys.argv[1]), Path("checkpoints/dcgan-fashion-mnist")
best = json.loads((source / "best" / "metric.json").read_text())["step"]
events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
kept = [e for e in events if e.get("step", 0) <= best]
end = next(e for e in reversed(events) if e["type"] == "end")  # the run ends, for this folder, at the best step
start = [e for e in kept if e["type"] == "start"][-1]
end = {**end, "time": kept[-1]["time"], "step": best, "seconds": round(kept[-1]["time"] - start["time"], 3)}
end.pop("weights_sha256", None)
(run / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in kept + [end]))
for png in (run / "samples").glob("step_*.png"):
    if int(png.stem.split("_")[1]) > best:
        png.unlink()
write_progress_gif(RunDir(run))
PY
# The cGAN: the matching-aware D (real images under a wrong label count as fake, a fifth of D's fake term) whose
# wrong labels are half hard negatives, drawn from the classes D currently confuses with the true one (README: the
# cGAN's class fidelity). Beside it, the 6,000-image subset that ships inside the package (DiffAugment keeps D
# from memorising it):
noise cgan cgan --data fashion-mnist --steps 24000 --metric-every 4000 \
  --model-arg mismatch_weight=0.2 --model-arg mismatch_hard=true &
noise mini dcgan --data fashion-mnist-mini --steps 15000 --metric-every 3000 &
wait
ship "$WORK/cgan" cgan-fashion-mnist
ship "$WORK/mini" dcgan-fashion-mnist-mini
# SAGAN and StyleGAN (the next session, after the training autocast lost its weight cache): their defaults, 24,000
# and 10,000 steps (about 47 and 43 minutes side by side); StyleGAN keeps fp32 weights (fp16 moved an output pixel by
# up to 0.5), and SAGAN its best/ (step 36,000 once continued below):
noise sagan sagan --data fashion-mnist --steps 24000 --metric-every 4000 &
noise stylegan stylegan --data fashion-mnist --steps 10000 --metric-every 2000 &
wait
# (the third session) StyleGAN continued to 20,000 steps (the learning rates back at full, falling to 0 again) and
# SAGAN to 40,000 (back at four fifths):
OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/stylegan" --steps 20000 --quiet &
OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/sagan" --steps 40000 --quiet &
wait
ship "$WORK/sagan" sagan-fashion-mnist
rm -rf checkpoints/stylegan-fashion-mnist; cp -r "$WORK/stylegan" checkpoints/stylegan-fashion-mnist
rm -f checkpoints/stylegan-fashion-mnist/trainer_state.pt checkpoints/stylegan-fashion-mnist/job.json
sed -i 's|gans.load("stylegan")|gans.load("stylegan-fashion-mnist")|' checkpoints/stylegan-fashion-mnist/README.md
if cmp -s checkpoints/stylegan-fashion-mnist/best/model.safetensors checkpoints/stylegan-fashion-mnist/model.safetensors
then rm -r checkpoints/stylegan-fashion-mnist/best; fi
# WGAN-GP (the third session): one critic update per step with the critic at three times G's learning rate (TTUR)
# instead of the paper's five at one, DiffAugment with the penalty on augmented images, 20,000 steps:
rm -rf "$WORK/wgan-gp"
OMP_NUM_THREADS=1 $PY -m gans train wgan-gp --data fashion-mnist --steps 20000 --n-critic 1 --lr 1e-4 --lr-d 3e-4 \
  --lr-decay 0.5 --metric-every 4000 --sample-every 4000 --checkpoint-every 4000 --metric-samples 1000 \
  --out "$WORK/wgan-gp" --quiet
OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/wgan-gp" --steps 35000 --quiet  # the rates back at 6/7
OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/wgan-gp" --steps 45000 --quiet  # the rates back at 4/9
ship "$WORK/wgan-gp" wgan-gp-fashion-mnist
# (the fourth session, whose machine no longer had the runs' optimizer state) SAGAN and WGAN-GP fine-tuned from
# their shipped fp16 weights (--init-from: fresh optimizers), the rates at half of what their runs started with and falling to 0 over the whole fine-tune (--lr-decay 1); WGAN-GP's then continued twice (the rates back
# at two fifths, then at two sevenths). These fine-tunes ran with the EMA warm-up ramp restarting at step 0; since the
# fifth session a fine-tune keeps the loaded EMA at the full decay, so a rerun gives other weights than those shipped:
tune() {  # tune NAME STEPS "MORE..." ARGS...: fine-tune checkpoints/NAME-fashion-mnist for STEPS, continue to each MORE
  local name=$1 steps=$2 more=$3 total; shift 3
  rm -rf "${WORK:?}/$name-ft"
  OMP_NUM_THREADS=1 $PY -m gans train "$name" --init-from "checkpoints/$name-fashion-mnist" --data fashion-mnist \
    --steps "$steps" --lr-decay 1 --metric-samples 1000 --out "$WORK/$name-ft" --quiet "$@"
  for total in $more; do OMP_NUM_THREADS=1 $PY -m gans train --resume "$WORK/$name-ft" --steps "$total" --quiet; done
}
rm -rf "$WORK/mini-ft"  # the 6,000-image DCGAN: one fine-tune of 6,000 steps at 3e-4 falling to 0
OMP_NUM_THREADS=1 $PY -m gans train dcgan --init-from checkpoints/dcgan-fashion-mnist-mini --data fashion-mnist-mini \
  --steps 6000 --lr 3e-4 --lr-decay 1 --metric-every 1500 --sample-every 1500 --checkpoint-every 1500 \
  --metric-samples 1000 --out "$WORK/mini-ft" --quiet
ship "$WORK/mini-ft" dcgan-fashion-mnist-mini
# (continued to 24,000 steps SAGAN's fine-tune stayed where it was: 21.2 against 21.0):
tune sagan 16000 "" --lr 2e-4 --lr-d 5e-4 --metric-every 4000 --sample-every 2000 --checkpoint-every 2000 & sagan=$!
tune wgan-gp 15000 "25000 35000" --n-critic 1 --lr 5e-5 --lr-d 1.5e-4 --metric-every 3000 --sample-every 3000 \
  --checkpoint-every 3000 & wgangp=$!
wait "$sagan"; wait "$wgangp"  # one wait per job: a failed one stops the script (set -e) before anything ships
# (the fifth session) SAGAN fine-tuned twice more at G 1e-4 / D 2.5e-4 falling to 0, --ema 0.9995: first from the
# 16,000-step fine-tune (its best/, step 7,500, FD 20.3; that run had the EMA warm-up above), then from that best/ with
# the EMA now going on from the loaded average at the full decay (no ramp for a fine-tune). Shipped: the last weights
# (19.8). Rerun today, the middle link gets the new EMA too, so its numbers will differ.
for link in 2 3; do
  from=$WORK/sagan-ft every=2500; [ "$link" = 3 ] && from=$WORK/sagan-ft2/best every=2000
  rm -rf "${WORK:?}/sagan-ft$link"
  OMP_NUM_THREADS=1 $PY -m gans train sagan --init-from "$from" --data fashion-mnist --steps 10000 --lr 1e-4 \
    --lr-d 2.5e-4 --lr-decay 1 --ema 0.9995 --metric-every $every --sample-every $every --checkpoint-every $every \
    --metric-samples 1000 --out "$WORK/sagan-ft$link" --quiet
done
ship "$WORK/sagan-ft3" sagan-fashion-mnist
rm -rf checkpoints/sagan-fashion-mnist/best  # the last weights ship; best/ (step 2,000: 19.3) is not kept
ship "$WORK/wgan-gp-ft" wgan-gp-fashion-mnist
# The MLP (the fifth session): the least-squares loss at a constant rate, then two fine-tunes with a longer EMA of G
# (0.9999, then 0.99995), which go on from the loaded average. The first run was asked for 80,000 steps and stopped at
# 27,435, where its in-loop FD had stalled for 12,000 steps; it ran at the then-default EMA of 0.999:
rm -rf "${WORK:?}"/vanilla "$WORK"/vanilla-ft "$WORK"/vanilla-ft2
every="--lr-decay 0 --metric-every 5000 --sample-every 5000 --checkpoint-every 5000 --metric-samples 1000 --quiet"
OMP_NUM_THREADS=1 $PY -m gans train vanilla --model-arg loss=ls --ema 0.999 --data fashion-mnist --steps 27435 \
  $every --out "$WORK/vanilla"
OMP_NUM_THREADS=1 $PY -m gans train vanilla --init-from "$WORK/vanilla" --model-arg loss=ls --ema 0.9999 \
  --data fashion-mnist --steps 20000 $every --out "$WORK/vanilla-ft"
OMP_NUM_THREADS=1 $PY -m gans train vanilla --init-from "$WORK/vanilla-ft" --model-arg loss=ls --ema 0.99995 \
  --data fashion-mnist --steps 40000 $every --out "$WORK/vanilla-ft2"
ship "$WORK/vanilla-ft2" vanilla-fashion-mnist
rm -rf checkpoints/vanilla-fashion-mnist/best  # the last weights ship (best/, step 35,000, scored the same)
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
