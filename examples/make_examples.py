"""Generate the bundled example inputs (deterministic; free to redistribute).

    python examples/make_examples.py

writes ``street.jpg`` (a synthetic 1024x768 scene saved as a JPEG, quality 92), ``street.png`` (the same
scene, 640x480, lossless), ``clip.avi`` (2 seconds of a moving disc at 10 frames per second, Motion-JPEG)
and ``portrait.jpg``: astronaut Eileen Collins (NASA photograph, public domain), taken from scikit-image's
bundled data (install the test extras to regenerate it), saved at quality 92, so that the example report
shows the face and lighting analysers at work; and ``portrait.mp4``, 3 seconds at 25 frames per second of a
slow pan over that portrait (fresh noise in every frame), encoded by x264, for the video analysers.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

HERE = Path(__file__).parent


def scene(width: int, height: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None]
    sky = np.stack([150 + 80 * y, 180 + 50 * y, 235 - 20 * y], axis=-1) * np.ones((1, width, 1))
    image = sky.astype(np.float32)
    horizon = int(height * 0.62)
    image[horizon:] = (92, 110, 84)
    for index in range(9):
        x0 = int(width * index / 9) + int(rng.integers(0, width // 30))
        top = horizon - int(rng.integers(height // 8, height // 2.5))
        shade = rng.integers(70, 190, 3)
        cv2.rectangle(image, (x0, top), (x0 + width // 11, horizon), shade.tolist(), -1)
        for wy in range(top + 12, horizon - 12, 22):
            for wx in range(x0 + 8, x0 + width // 11 - 10, 18):
                cv2.rectangle(image, (wx, wy), (wx + 8, wy + 10), (235, 225, 150), -1)
    cv2.circle(image, (int(width * 0.82), int(height * 0.16)), height // 12, (255, 240, 180), -1, cv2.LINE_AA)
    image += rng.normal(0, 3.0, image.shape)  # sensor-like noise so the file is not unnaturally flat
    return np.clip(image, 0, 255).astype(np.uint8)


def main() -> None:
    Image.fromarray(scene(1024, 768)).save(HERE / "street.jpg", quality=92, subsampling=2)
    Image.fromarray(scene(640, 480, seed=11)).save(HERE / "street.png")
    writer = cv2.VideoWriter(str(HERE / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (320, 240))
    background = scene(320, 240, seed=3)
    for frame_index in range(20):
        frame = background.copy()
        cv2.circle(frame, (40 + 12 * frame_index, 150), 18, (200, 40, 40), -1, cv2.LINE_AA)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    from skimage import data  # a test extra; only needed to regenerate the portrait

    Image.fromarray(data.astronaut()).save(HERE / "portrait.jpg", quality=92)
    from forensics.evaluation.video_clips import encode, panned_frames

    portrait = np.asarray(Image.open(HERE / "portrait.jpg").convert("RGB"))
    encode(panned_frames(portrait, 75, (480, 480), seed=5, window=0.9), HERE / "portrait.mp4", fps=25, crf=23)


if __name__ == "__main__":
    main()
