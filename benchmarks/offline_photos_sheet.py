"""Contact sheet of one `offline-photos` split: every photo found on this machine as a small thumbnail with its
name, so that the split can be looked at in one picture (docs/colorizer-test-photos.jpg, -validation-photos.jpg).

    python benchmarks/offline_photos_sheet.py test docs/colorizer-test-photos.jpg [--extra-folder DIR]

``--extra-folder``: a folder with copies of photos whose package is not installed here, by source
(DIR/skimage/astronaut.png); listed photos found nowhere are named on stderr and left out.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gans.data.photos import OFFLINE_SPLITS, _offline_location  # noqa: E402

THUMB = 160
LABEL = 14
COLUMNS = 8


def sheet(split: str, extra: Path | None) -> Image.Image:
    found = []
    for entry in OFFLINE_SPLITS[split]:
        location = _offline_location(entry, None)
        if (location is None or not location.is_file()) and extra is not None:
            location = extra / entry
        if location is None or not location.is_file():
            print(f"not found here, left out: {entry}", file=sys.stderr)
            continue
        found.append((entry, location))
    rows = math.ceil(len(found) / COLUMNS)
    out = Image.new("RGB", (COLUMNS * THUMB, rows * (THUMB + LABEL)), "white")
    draw = ImageDraw.Draw(out)
    for number, (entry, location) in enumerate(found):
        with Image.open(location) as photo:
            photo.draft("RGB", (THUMB * 2, THUMB * 2))
            if photo.mode in ("RGBA", "LA", "P"):
                photo = photo.convert("RGBA")
                white = Image.new("RGBA", photo.size, "white")
                photo = Image.alpha_composite(white, photo)
            photo = photo.convert("RGB")
            photo.thumbnail((THUMB, THUMB), Image.Resampling.LANCZOS)
        x, y = (number % COLUMNS) * THUMB, (number // COLUMNS) * (THUMB + LABEL)
        out.paste(photo, (x + (THUMB - photo.width) // 2, y + (THUMB - photo.height) // 2))
        name = entry.rsplit("/", 1)[-1]
        draw.text((x + 3, y + THUMB + 1), f"{entry.split('/', 1)[0]}/{name}"[:26], fill="black")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", choices=list(OFFLINE_SPLITS))
    parser.add_argument("output")
    parser.add_argument("--extra-folder", type=Path)
    args = parser.parse_args()
    sheet(args.split, args.extra_folder).save(args.output, quality=82, optimize=True)
    print(args.output, Path(args.output).stat().st_size // 1024, "KB")


if __name__ == "__main__":
    main()
