"""``python -m gans``: list, train, sample, interpolate, translate, colorize, upscale, detect, synth, project,
evaluate, push.

User errors (unknown names, bad values, missing or corrupt files) print one ``error: ...`` line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from .errors import ConfigError, GansError
from .io import jsonsafe
from .ops.precision import PRECISIONS
from .registry import Task, check_task
from .training.config import CUDA_GRAPH_SETTINGS, TIMINGS

EXIT_USER_ERROR = 2
# Flags that describe a new run; --resume refuses them rather than silently ignoring them.
NEW_RUN_FLAGS = ("--data", "--data-path", "--batch-size", "--image-size", "--channels", "--lr", "--lr-d", "--seed",
                 "--out", "--loss", "--n-critic", "--clip-value", "--gp-weight", "--width", "--ema", "--spectral-norm",
                 "--model-arg", "--log-every", "--sample-every", "--checkpoint-every", "--preview-seconds",
                 "--metric-every", "--metric-samples", "--precision", "--num-samples", "--lr-decay", "--timing",
                 "--log-seconds", "--sample-seconds", "--checkpoint-seconds", "--metric-seconds", "--cuda-graphs",
                 "--init-from")
# (--max-seconds is allowed with --resume: a time limit is not a setting of the run)


# ---- helpers ------------------------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def _model_arg(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = jsonsafe.loads(raw)
    except json.JSONDecodeError:
        value = raw  # a bare string such as loss=hinge
    return key.strip(), value


def _write_image(image, path: Path) -> None:
    from .io.checkpoints import atomic_write
    from .io.images import png_bytes

    suffix = path.suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg", ".webp", ".bmp"):
        raise ConfigError(f"cannot write {path.name}: use a .png, .jpg, .webp or .bmp file name")
    try:
        if suffix == ".png":
            atomic_write(path, png_bytes(image))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            image.convert("RGB").save(path)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error}") from None


class ProgressBar:
    """A tqdm bar fed by training events."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bar = None

    def __call__(self, event: dict) -> None:
        if event["type"] == "warning":  # e.g. a diverging loss: said even with --quiet
            message = f"warning: {event.get('message')}"
            if self.bar is not None:
                self.bar.write(message, file=sys.stderr)
            else:
                print(message, file=sys.stderr)
            return
        if not self.enabled:
            return
        from tqdm import tqdm

        if event["type"] == "start":
            self.bar = tqdm(total=event["steps"], initial=event["step"], unit="step", dynamic_ncols=True,
                            desc=f"{event['architecture']} on {event['device']}")
        elif event["type"] == "step" and self.bar is not None:
            self.bar.update(event["step"] - self.bar.n)
            self.bar.set_postfix(loss_d=f"{event['loss_d']:.3f}", loss_g=f"{event['loss_g']:.3f}",
                                 img_s=f"{event['images_per_sec']:.0f}", refresh=False)
        elif event["type"] in ("end", "error") and self.bar is not None:
            self.bar.close()
            self.bar = None


def _stop_on_interrupt():
    """First Ctrl-C (or SIGTERM): stop after the current step and save a checkpoint. Second Ctrl-C: abort."""
    import signal
    import threading

    event = threading.Event()
    event.restore = lambda: None

    def handler(signum, frame):
        if event.is_set():
            raise KeyboardInterrupt
        event.set()
        print("\nstopping after this step and saving a checkpoint (Ctrl-C again to abort)", file=sys.stderr)

    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        event.restore = lambda: [signal.signal(sig, old) for sig, old in previous.items()]
    return event


def load_for(task: Task, source: str, device: str | None, command: str | None = None):
    """The model at ``source`` (a run folder or Hub id), refused unless it does ``task`` (``check_task``: one
    message naming the command that fits it; ``command``, e.g. "interpolate", is what was asked)."""
    from . import load

    model = load(source, device=device)
    check_task(model, task, source, command)
    return model


# ---- commands -----------------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    from . import list_datasets, list_models
    from .registry import model_factory

    print("Models:")
    for name in list_models():
        doc = (model_factory(name).__doc__ or "").strip().splitlines()[0]
        print(f"  {name:<10} {doc}")
    print("\nDatasets:")
    for info in list_datasets():
        mark = "available" if info.available else "not available"
        print(f"  {info.name:<20} {mark:<14} {info.description}")
        print(f"  {'':<20} {'':<14} {info.reason}")
    return 0


def job_from_args(args):
    """The ``JobSpec`` the flags of ``train MODEL ...`` describe. Unset flags keep the defaults: the model's
    declared dataset, steps and batch size (``gans.registry.model_info``, as the Train page), else
    ``TrainConfig``'s."""
    from .registry import model_info
    from .training import DataConfig, JobSpec, TrainConfig

    info = model_info(args.model)  # an unknown name: one clear error before anything else
    cfg = TrainConfig(steps=info.steps, batch_size=info.batch_size, seed=args.seed or 0, device=args.device or "auto")
    for name in ("steps", "batch_size", "lr", "lr_d", "log_every", "sample_every", "checkpoint_every", "num_samples",
                 "preview_seconds", "metric_every", "metric_samples", "precision", "lr_decay", "timing",
                 "log_seconds", "sample_seconds", "checkpoint_seconds", "metric_seconds", "cuda_graphs"):
        if getattr(args, name) is not None:
            setattr(cfg, name, getattr(args, name))
    model_kwargs = dict(args.model_arg or [])
    for name in ("image_size", "channels", "loss", "n_critic", "clip_value", "gp_weight", "width"):
        if getattr(args, name) is not None:
            model_kwargs[name] = getattr(args, name)
    if args.ema is not None:
        model_kwargs["ema_decay"] = args.ema
    if args.spectral_norm:
        model_kwargs["spectral_norm"] = True
    data = DataConfig(args.data or info.default_dataset or DataConfig.name, args.data_path)
    return JobSpec(args.model, model_kwargs, cfg, data, args.out, args.init_from)


def _check_public_path(path: str | None) -> None:
    """On a public deployment (``GANS_PUBLIC=1``, a Space) or with ``GANS_DATA_ROOT`` set, the command line reads a
    dataset path only where the studio may (``gans.training.jobs.readable_roots``: docs/SECURITY.md)."""
    from .training.jobs import check_data_path, readable_roots

    if path and readable_roots() is not None:
        check_data_path(path)


def _resumed_data_path(run_dir: str) -> str | None:
    """The dataset path a run to resume was trained on (None when it has none or its config cannot be read: then
    ``resume`` gives its own message)."""
    from .io.checkpoints import RunDir

    try:
        data = RunDir(run_dir).read_config().get("data") or {}
    except GansError:
        return None
    return data.get("path") if isinstance(data, dict) and isinstance(data.get("path"), str) else None


def cmd_train(args) -> int:
    from .training import JobSpec, resume, run_job
    from .training.distributed import DistributedContext

    context = DistributedContext.from_env()
    progress = ProgressBar(enabled=context.is_main and not args.quiet)
    stop_requested = _stop_on_interrupt()
    deadline = None if args.max_seconds is None else time.monotonic() + args.max_seconds
    parent = os.getppid() if args.stop_with_parent else None

    def should_stop() -> bool:
        # An orphaned studio job (its server was killed) is re-parented: stop it rather than train on unseen.
        orphaned = parent is not None and os.getppid() != parent
        return stop_requested.is_set() or orphaned or (deadline is not None and time.monotonic() > deadline)

    command = "python -m gans " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        given = [flag for flag in NEW_RUN_FLAGS
                 if getattr(args, flag.lstrip("-").replace("-", "_")) not in (None, False)]
        if args.resume:
            if args.model or args.spec:
                raise ConfigError("give one of MODEL (a new run), --spec FILE (a new run) or --resume DIR")
            if given:
                raise ConfigError(f"--resume continues a run with its own settings; only --steps and --device may "
                                  f"change ({', '.join(given)} given)")
            _check_public_path(_resumed_data_path(args.resume))
            result = resume(args.resume, steps=args.steps, callbacks=[progress], should_stop=should_stop,
                            command=command, device=args.device)
        elif args.spec:
            extra = given + [flag for flag in ("--steps", "--device") if getattr(args, flag[2:]) is not None]
            if args.model or extra:
                raise ConfigError(f"--spec holds the whole job: give no MODEL or run settings with it "
                                  f"({', '.join(extra or [args.model])} given)")
            spec = JobSpec.read(args.spec)
            _check_public_path(spec.data.path)
            result = run_job(spec, callbacks=[progress], should_stop=should_stop, command=command)
        else:
            if not args.model:
                raise ConfigError("name a MODEL to train (see `python -m gans list`), --spec FILE or --resume DIR")
            spec = job_from_args(args)
            _check_public_path(spec.data.path)
            result = run_job(spec, callbacks=[progress], should_stop=should_stop, command=command)
        if context.enabled:
            print(f"rank {context.rank}/{context.world_size} final weights sha256 {result['weights_sha256']}",
                  file=sys.stderr, flush=True)
        if context.is_main:
            print(f"{result['status']} at step {result['step']}: {result['run_dir']}")
            if result["status"] == "stopped":
                print(f"continue with: python -m gans train --resume {result['run_dir']} --steps N")
        # Both ranks reach the end before either tears gloo down: a rank whose peer has already closed its
        # connections can abort in destroy_process_group (seen once in CI as SIGABRT after a finished run).
        context.barrier()
        return 0
    finally:
        stop_requested.restore()
        context.shutdown()


def _check_grid(count: int, nrow: int | None, scale: int, what: str, model=None, images=None) -> None:
    """The budget (``gans.ops.budget``) of a grid or strip of ``count`` images: before loading (the count), after
    loading (the picture's pixels from the model's image size) and before drawing (from the images made)."""
    from .ops import budget

    budget.check_samples(count, what)
    side = (model.config().get("image_size") if model is not None else None)
    height, width = images.shape[-2:] if images is not None else (side, side)
    if isinstance(height, int) and isinstance(width, int):
        budget.check_grid(count, height, width, nrow, scale, what)


def cmd_sample(args) -> int:
    from .io.images import grid_image

    _check_grid(args.n, args.nrow, args.scale, "images")
    model = load_for(Task.GENERATE, args.run, args.device, "sample")
    _check_grid(args.n, args.nrow, args.scale, "images", model=model)
    labels = None if args.class_index is None else [args.class_index] * args.n
    if args.text is None:
        images = model.sample(args.n, seed=args.seed, labels=labels, truncation=args.truncation)
    else:
        from .ops.text import read_prompt, unknown_note

        if labels is not None:
            raise ConfigError("give --text or --class, not both")
        if note := unknown_note(read_prompt(model, args.text)):
            print(f"note: {note}", file=sys.stderr)
        images = model.sample(args.n, seed=args.seed, truncation=args.truncation, text=args.text)
    _check_grid(args.n, args.nrow, args.scale, "images", images=images)
    _write_image(grid_image(images, nrow=args.nrow, scale=args.scale), Path(args.output))
    print(f"wrote {args.n} samples to {args.output}")
    return 0


def cmd_interpolate(args) -> int:
    from .io.checkpoints import atomic_write
    from .io.images import gif_bytes, grid_image
    from .ops.latent import interpolate

    if args.frames < 2:
        raise ConfigError(f"a walk needs at least 2 frames (both ends), got --frames {args.frames}")
    _check_grid(args.frames, args.frames, args.scale, "frames")
    model = load_for(Task.GENERATE, args.run, args.device, "interpolate")
    _check_grid(args.frames, args.frames, args.scale, "frames", model=model)
    seed_a, seed_b = args.seeds
    z = interpolate(model.latent(seed_a, 1, args.truncation), model.latent(seed_b, 1, args.truncation),
                    args.frames, args.mode)
    labels = None if args.class_index is None else [args.class_index] * args.frames
    frames = model.generate(z, labels)
    _check_grid(args.frames, args.frames, args.scale, "frames", images=frames)
    output = Path(args.output)
    if output.suffix.lower() == ".gif":
        pictures = [grid_image(frame[None], nrow=1, scale=args.scale) for frame in frames]
        atomic_write(output, gif_bytes(pictures + pictures[-2:0:-1], duration_ms=args.duration))
    else:
        _write_image(grid_image(frames, nrow=args.frames, scale=args.scale), output)
    print(f"wrote {args.frames} frames from seed {seed_a} to seed {seed_b} to {output}")
    return 0


def cmd_translate(args) -> int:
    from .tasks.translate import translate_file

    model = load_for(Task.TRANSLATE, args.run, args.device)
    if args.tile is not None and args.tile % model.input_multiple:
        raise ConfigError(f"--tile must be a multiple of {model.input_multiple} for this model, got {args.tile}")
    result = translate_file(model, args.input, args.direction, tile=args.tile, overlap=args.overlap)
    _write_image(result.output, Path(args.output))
    if result.report.message:
        print(result.report.message)
    width, height = result.output.size
    print(f"wrote {args.output} ({width}×{height}, {model.architecture} {args.direction})")
    return 0


def cmd_colorize(args) -> int:
    from .io.runs import list_checkpoints
    from .tasks.colorize import colorize_file, parse_hint

    hints = [parse_hint(text) for text in args.hint]  # a malformed one stops here, before any loading
    source = args.checkpoint
    if source is None:  # the shipped colorizer
        shipped = list_checkpoints(include_runs=False, task="colorize")
        if not shipped:
            raise ConfigError("no shipped colorizer was found (checkpoints/ or $GANS_CHECKPOINTS_DIR); "
                              "give one with --checkpoint RUN_OR_ID")
        source = str(shipped[0].path)
    model = load_for(Task.COLORIZE, source, args.device)
    result = colorize_file(model, args.input, render_size=args.render_size, hints=hints, reference=args.reference)
    _write_image(result.output, Path(args.output))
    width, height = result.output.size
    render_width, render_height = result.render_size
    like = f", coloured like {Path(args.reference).name}" if args.reference else ""
    print(f"wrote {args.output} ({width}×{height}; colour predicted at {render_width}×{render_height}{like})")
    if result.metrics:
        print("the input was in colour: compared with it (PSNR dB / SSIM / colourfulness):")
        for name, row in result.metrics.items():
            numbers = " / ".join(f"{row[key]:.3f}" if key != "colorfulness" else f"{row[key]:.1f}"
                                 for key in ("psnr", "ssim", "colorfulness") if key in row)
            print(f"  {name:<22} {numbers}")
    return 0


def cmd_upscale(args) -> int:
    from .tasks.upscale import default_upscaler, upscale_file

    source = args.checkpoint or default_upscaler(args.scale)
    model = load_for(Task.UPSCALE, source, args.device)
    if args.scale is not None and args.scale != model.output_scale:
        raise ConfigError(f"{source} upscales ×{model.output_scale}, not ×{args.scale}; drop --scale or give a "
                          f"×{args.scale} checkpoint")
    result = upscale_file(model, args.input, tile=args.tile)
    _write_image(result.output, Path(args.output))
    if result.report.message:
        print(result.report.message)
    (width, height), (in_width, in_height) = result.output.size, result.input.size
    print(f"wrote {args.output} ({width}×{height}: {in_width}×{in_height} upscaled ×{result.scale} by "
          f"{Path(source).name})")
    return 0


def cmd_restore(args) -> int:
    from . import load
    from .tasks.colorize import parse_hint
    from .tasks.restore import RestoreSettings, default_colorizer, default_restorer, restore_file
    from .tasks.upscale import default_upscaler

    settings = RestoreSettings(restore=not args.no_restore, colorize=args.colorize,
                               hints=tuple(parse_hint(text) for text in args.hint), reference=args.reference,
                               upscale=args.upscale, render_size=args.render_size)  # bad settings stop here
    restorer = load(args.restorer or default_restorer(), device=args.device) if settings.restore else None
    colorizer = (load(args.colorizer or default_colorizer(), device=args.device)
                 if settings.colorize != "no" else None)
    upscaler = load(args.upscaler or default_upscaler(), device=args.device) if settings.upscale > 1 else None
    result = restore_file(args.input, settings, restorer=restorer, colorizer=colorizer, upscaler=upscaler)
    _write_image(result.output, Path(args.output))
    for note in result.notes:
        print(note)
    width, height = result.output.size
    done = " → ".join(name for name, _ in result.steps) or "nothing (every step off)"
    print(f"wrote {args.output} ({width}×{height}; {done})")
    return 0


def cmd_synth(args) -> int:
    from . import load
    from .io.runs import describe
    from .tasks.synth import check_synth_model, synthesize_folder

    model = load(args.run, device=args.device)
    check_synth_model(model)
    info = describe(args.run) if Path(args.run).is_dir() else None
    report = synthesize_folder(model, args.per_class, args.output, class_names=info.class_names if info else None,
                               truncation=args.truncation, seed=args.seed)
    print(f"wrote {report.total:,} images ({report.per_class:,} per class, {len(report.classes)} classes: "
          f"{report.classes[0]} … {report.classes[-1]}) to {report.out}; read it back with --data folder "
          f"--data-path {report.out}")
    return 0


def cmd_project(args) -> int:
    from .io.runs import describe
    from .tasks.project import check_output, project, random_baseline, read_target, save_npz

    output = check_output(args.output)  # an .npz name, before any work
    model = load_for(Task.GENERATE, args.run, args.device, "project")
    target = read_target(model, args.input)  # the pixel budget from the file's header, before decoding
    info = describe(args.run)
    result = project(model, target, steps=args.steps, space=args.space, label=args.class_index,
                     feature_network=info.data if info else None, seed=args.seed)
    written = save_npz(result, output)
    baseline = random_baseline(model, target, label=result.label)
    print(f"wrote {written} ({result.space}; reconstruction error {result.error:.4f} MSE, the best of 100 random "
          f"latents {baseline:.4f})")
    return 0


def cmd_detect(args) -> int:
    from .tasks.detect import detect_files

    model = load_for(Task.DETECT, args.run, args.device)
    detections = detect_files(model, args.images)
    if args.json:
        print(json.dumps([detection.to_json() for detection in detections], indent=2))
        return 0
    width = max(len("image"), *(len(detection.name) for detection in detections))
    print(f"{'image':<{width}}  {'score':>8}  verdict (threshold {float(model.threshold):.3f})")
    for detection in detections:
        print(f"{detection.name:<{width}}  {detection.score:8.3f}  {detection.verdict}")
    return 0


def cmd_push(args) -> int:
    from .io.hub import push_run

    print(push_run(args.run, args.repo_id, private=args.private))
    return 0


def cmd_evaluate(args) -> int:
    from .metrics.evaluate import evaluate

    print(json.dumps(evaluate(args.run, n=args.n, seed=args.seed, inception=not args.no_inception), indent=2))
    return 0


# ---- parser -------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gans", description="GAN Studio: train and use classic GANs.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="models and datasets (with availability)").set_defaults(func=cmd_list)

    train = commands.add_parser("train", help="train a model, or continue a run with --resume")
    train.add_argument("model", nargs="?", help="registered model name (see `list`)")
    train.add_argument("--resume", metavar="DIR", help="continue this run directory up to --steps total steps")
    train.add_argument("--init-from", metavar="RUN", help="a new run that starts from the weights of RUN (a run folder "
                       "or shipped checkpoint of the same model and settings): fine-tuning, with fresh optimizers")
    train.add_argument("--spec", metavar="FILE", help="run the job this JSON job spec describes (a run's job.json; "
                                                      "what the studio starts)")
    train.add_argument("--data", help="dataset name (default: the model's, e.g. fashion-mnist-mini for dcgan, "
                                      "edges2fashion for pix2pix)")
    train.add_argument("--data-path", help="folder or .zip of images for --data folder")
    train.add_argument("--steps", type=_positive_int,
                       help="total training steps (default: the model's, 2000 for noise → image models, 1000 for "
                            "image → image ones)")
    train.add_argument("--batch-size", type=_positive_int,
                       help="default: the model's (64 for noise → image models, 16 for image → image ones)")
    train.add_argument("--image-size", type=int, help="28, 32 or 64")
    train.add_argument("--channels", type=int, help="1 or 3 (default: the dataset's)")
    train.add_argument("--lr", type=_positive_float, help="learning rate (default: the model's)")
    train.add_argument("--lr-d", type=_positive_float, help="discriminator learning rate (default: --lr)")
    train.add_argument("--lr-decay", type=float, metavar="SHARE",
                       help="lower every learning rate linearly to 0 over the last SHARE of the steps (0-1; default 0: "
                            "constant)")
    train.add_argument("--seed", type=int, help="random seed (default 0)")
    train.add_argument("--device", help="auto (default), cpu, cuda, cuda:N or mps")
    train.add_argument("--precision", choices=PRECISIONS,
                       help="auto (default: bf16 autocast where the device computes bf16 faster), fp32 or bf16")
    train.add_argument("--out", help="run directory (default: $GANS_RUNS_DIR/MODEL-TIME or runs/...)")
    train.add_argument("--loss", help="bce, ls, wasserstein or hinge")
    train.add_argument("--n-critic", type=_positive_int)
    train.add_argument("--clip-value", type=_positive_float)
    train.add_argument("--gp-weight", type=float)
    train.add_argument("--width", type=_positive_int, help="base channel count of the networks")
    train.add_argument("--ema", type=float, metavar="DECAY", help="keep an EMA of G's weights (e.g. 0.999)")
    train.add_argument("--spectral-norm", action="store_true", help="spectral norm in the discriminator")
    train.add_argument("--model-arg", type=_model_arg, action="append", metavar="KEY=VALUE",
                       help="any other model argument, e.g. --model-arg conditioning=projection")
    train.add_argument("--log-every", type=_positive_int)
    train.add_argument("--sample-every", type=_positive_int)
    train.add_argument("--checkpoint-every", type=_positive_int)
    train.add_argument("--num-samples", type=_positive_int, help="images in each sample grid (default 64)")
    train.add_argument("--preview-seconds", type=_positive_float, help="also write samples/latest.png this often")
    train.add_argument("--metric-every", type=int, metavar="N",
                       help="measure FD / KID / precision / recall every N steps and keep best/ (lowest FD)")
    train.add_argument("--metric-samples", type=_positive_int, metavar="N",
                       help="samples per in-the-loop measurement (default 500)")
    train.add_argument("--timing", choices=TIMINGS,
                       help="when to log, sample, checkpoint and measure: by steps (the --*-every flags), by seconds "
                            "of wall time (the --*-seconds flags) or auto (default: seconds on CUDA, else steps)")
    for action, default in (("log", 2), ("sample", 30), ("checkpoint", 120), ("metric", 120)):
        train.add_argument(f"--{action}-seconds", type=_positive_float, metavar="S",
                           help=f"with timing by seconds: {action} every S seconds (default {default})")
    train.add_argument("--cuda-graphs", choices=CUDA_GRAPH_SETTINGS,
                       help="record each training step once as a CUDA graph and replay it: auto (default: on CUDA "
                            "when the model's step allows it), on, or off")
    train.add_argument("--max-seconds", type=_positive_float,
                       help="stop (with a checkpoint) after this much wall time, as the studio's job limit does")
    train.add_argument("--stop-with-parent", action="store_true",
                       help="stop (with a checkpoint) if the process that started this one exits (the studio's jobs)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(func=cmd_train)

    def add_generation_args(sub, output_help: str) -> None:
        sub.add_argument("run", metavar="RUN_OR_ID", help="run directory or Hugging Face Hub repo id")
        sub.add_argument("--class", dest="class_index", type=int, metavar="K", help="class of a conditional model")
        sub.add_argument("--truncation", type=_positive_float, metavar="T")
        sub.add_argument("--scale", type=_positive_int, default=1, help="enlarge the picture N times")
        sub.add_argument("--device", default="cpu")
        sub.add_argument("-o", "--output", required=True, help=output_help)

    sample = commands.add_parser("sample", help="a grid of samples")
    sample.add_argument("-n", type=_positive_int, default=64, help="number of samples (default 64)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--nrow", type=_positive_int, help="images per row")
    sample.add_argument("--text", metavar="PROMPT", help='a text-to-image run\'s prompt, e.g. "a dark ankle boot"')
    add_generation_args(sample, "grid image (.png)")
    sample.set_defaults(func=cmd_sample)

    inter = commands.add_parser("interpolate", help="a walk between two seeds as a strip or a GIF")
    inter.add_argument("--seeds", type=int, nargs=2, metavar=("A", "B"), required=True)
    inter.add_argument("--frames", type=int, default=16, help="images in the walk, ends included (default 16)")
    inter.add_argument("--mode", choices=("slerp", "lerp"), default="slerp")
    inter.add_argument("--duration", type=_positive_int, default=120, help="GIF frame time in ms")
    add_generation_args(inter, "strip (.png) or animation (.gif)")
    inter.set_defaults(func=cmd_interpolate)

    trans = commands.add_parser("translate", help="translate an image of any size with a pix2pix / cyclegan run")
    trans.add_argument("run", metavar="RUN_OR_ID", help="run directory or Hugging Face Hub repo id")
    trans.add_argument("input", help="image file (PNG, JPEG, BMP, GIF, WebP or TIFF)")
    trans.add_argument("-o", "--output", required=True, help="output image (.png, .jpg, .webp or .bmp)")
    trans.add_argument("--direction", choices=("a2b", "b2a"), default="a2b", help="b2a: CycleGAN only")
    trans.add_argument("--tile", type=_positive_int, metavar="N",
                       help="process in N×N tiles (bounds memory); large images are tiled automatically")
    trans.add_argument("--overlap", type=int, default=32, help="tile overlap in pixels (default 32)")
    trans.add_argument("--device", default="cpu")
    trans.set_defaults(func=cmd_translate)

    color = commands.add_parser("colorize", help="colour a grayscale (or colour) photo at full resolution")
    color.add_argument("input", help="photo (PNG, JPEG, BMP, GIF, WebP or TIFF); colour photos are made gray first")
    color.add_argument("-o", "--output", required=True, help="output image (.png, .jpg, .webp or .bmp)")
    color.add_argument("--checkpoint", metavar="RUN_OR_ID", help="colorizer run or Hub id (default: the shipped one)")
    color.add_argument("--render-size", type=_positive_int, default=256, metavar="PX",
                       help="longer side the network runs at (32-2048, default 256); colour is then put back "
                            "onto the full-resolution lightness")
    color.add_argument("--hint", action="append", default=[], metavar="X,Y,#RRGGBB",
                       help="a colour hint: the point (X, Y) in the input's pixels should be this colour, e.g. "
                            "120,40,#a05030 (repeatable; for colorizers trained with hints)")
    color.add_argument("--reference", metavar="PHOTO",
                       help="a colour photo to take the colours from: they are matched to the input by content "
                            "(any size; your --hint points take precedence)")
    color.add_argument("--device", default="cpu")
    color.set_defaults(func=cmd_colorize)

    up = commands.add_parser("upscale", help="make a photo 2 or 4 times larger with a super-resolution model")
    up.add_argument("input", help="image (PNG, JPEG, BMP, GIF, WebP or TIFF), any size and mode")
    up.add_argument("-o", "--output", required=True, help="output image (.png, .jpg, .webp or .bmp)")
    up.add_argument("--scale", type=int, choices=(2, 4), help="upscaling factor (default: the checkpoint's; picks "
                                                               "the shipped upscaler of this factor)")
    up.add_argument("--checkpoint", metavar="RUN_OR_ID", help="srgan run or Hub id (default: the shipped one)")
    up.add_argument("--tile", type=_positive_int, metavar="N", help="process in N×N input-pixel tiles (bounds "
                                                                      "memory); large images are tiled automatically")
    up.add_argument("--device", default="cpu")
    up.set_defaults(func=cmd_upscale)

    rest = commands.add_parser("restore", help="an old photo restored (fading, casts, grain, scratches...), "
                                               "coloured when it is gray, and upscaled: each step optional")
    rest.add_argument("input", help="photo (PNG, JPEG, BMP, GIF, WebP or TIFF), any size")
    rest.add_argument("-o", "--output", required=True, help="output image (.png, .jpg, .webp or .bmp)")
    rest.add_argument("--no-restore", action="store_true", help="skip the restoration step")
    rest.add_argument("--colorize", choices=("auto", "yes", "no"), default="auto",
                      help="colour it: auto (default: when it is gray or one tint such as sepia), yes or no")
    rest.add_argument("--hint", action="append", default=[], metavar="X,Y,#RRGGBB",
                      help="a colour hint for the colour step, in the input's pixels (repeatable)")
    rest.add_argument("--reference", metavar="PHOTO", help="a colour photo whose colours the colour step uses")
    rest.add_argument("--render-size", type=_positive_int, default=256, metavar="PX",
                      help="longer side the colorizer runs at (default 256)")
    rest.add_argument("--upscale", type=int, choices=(1, 2, 4), default=1, help="make it 2 or 4 times larger "
                                                                               "(default 1: off)")
    rest.add_argument("--restorer", metavar="RUN_OR_ID", help="restoration run (default: the shipped one)")
    rest.add_argument("--colorizer", metavar="RUN_OR_ID", help="colorizer run (default: the shipped one)")
    rest.add_argument("--upscaler", metavar="RUN_OR_ID", help="upscaler run (default: the shipped one)")
    rest.add_argument("--device", default="cpu")
    rest.set_defaults(func=cmd_restore)

    synth = commands.add_parser("synth", help="a labelled folder of generated images (one sub-folder per class) "
                                              "from a class-conditional run")
    synth.add_argument("run", metavar="RUN_OR_ID", help="class-conditional run directory or Hugging Face Hub repo id")
    synth.add_argument("--per-class", type=_positive_int, required=True, metavar="N", help="images per class")
    synth.add_argument("-o", "--output", required=True, metavar="DIR", help="a new (or empty) folder to write")
    synth.add_argument("--truncation", type=_positive_float, help="truncation of the latents (default: none)")
    synth.add_argument("--seed", type=int, default=0, help="class c draws from seeds SEED + 10000·c + chunk")
    synth.add_argument("--device", default="cpu")
    synth.set_defaults(func=cmd_synth)

    proj = commands.add_parser("project", help="find the latent from which a noise → image run draws an image")
    proj.add_argument("run", metavar="RUN_OR_ID", help="run directory or Hugging Face Hub repo id")
    proj.add_argument("input", help="image file (PNG, JPEG, BMP, GIF, WebP or TIFF); centre-cropped and resized")
    proj.add_argument("-o", "--output", required=True, help="the .npz to write: the latent (z, w or w_plus), image, "
                                                            "error")
    proj.add_argument("--steps", type=_positive_int, default=300, help="optimisation steps (default 300)")
    proj.add_argument("--space", choices=("z", "w", "w_plus"), help="latent space (default: w_plus for stylegan, "
                                                                     "else z)")
    proj.add_argument("--class", dest="class_index", type=int, help="class of a conditional model (default: the "
                                                                     "classifier's guess)")
    proj.add_argument("--seed", type=int, default=0, help="the starting latent's seed (z)")
    proj.add_argument("--device", default="cpu")
    proj.set_defaults(func=cmd_project)

    evaluate = commands.add_parser("evaluate", help="FD, KID, precision/recall (and class accuracy) as one JSON "
                                                    "object")
    evaluate.add_argument("run", metavar="RUN_OR_ID", help="run directory, its best/ folder, or Hub repo id")
    evaluate.add_argument("--n", type=_positive_int, default=2000, help="generated and real images (default 2000)")
    evaluate.add_argument("--seed", type=int, default=0, help="noise and real-subset seed (default 0)")
    evaluate.add_argument("--no-inception", action="store_true",
                          help="skip the Inception FID even when Inception-v3 weights are present (it is slow on a "
                               "CPU: 299 px images)")
    evaluate.set_defaults(func=cmd_evaluate)

    detect = commands.add_parser("detect", aliases=["anomaly"],
                                 help="anomaly scores and verdicts of images with an anomaly run ('anomaly' too)")
    detect.add_argument("run", metavar="RUN_OR_ID", help="anomaly run directory or Hugging Face Hub repo id")
    detect.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, BMP, GIF, WebP or TIFF)")
    detect.add_argument("--json", action="store_true",
                        help="print a JSON list, one {path, score, anomalous} object per image")
    detect.add_argument("--device", default="cpu")
    detect.set_defaults(func=cmd_detect)

    push = commands.add_parser("push", help="upload a run directory to the Hugging Face Hub (needs HF_TOKEN)")
    push.add_argument("run", metavar="RUN", help="run directory")
    push.add_argument("repo_id", metavar="OWNER/NAME", help="Hub model repo (created if missing)")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.set_defaults(func=cmd_push)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except GansError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as error:  # an output path that cannot be written, a full disk...
        print(f"error: {error.strerror or error}: {error.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
