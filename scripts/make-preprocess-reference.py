"""Reference model inputs for the image preprocessing contract, made with PIL (Pillow).

For each photo in test/fixtures/photos: EXIF orientation applied, converted to RGB, resized with
PIL's BILINEAR filter (a triangle filter widened when shrinking, so every source pixel counts):
"center" = shorter side scaled to 64 then the centred 64x64 square cut out (what libvips's 'cover'
does), its ".gray" variant the ITU-R 601 luma of that (PIL's convert("L")); "fill" = the whole image
stretched to 64x64. Written as lossless PNGs to test/fixtures/photos/reference/, where
test/engine/data/image-decode.test.ts compares the app's libvips pipeline with them.

Run: python3 scripts/make-preprocess-reference.py (Pillow only).
"""

from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "test" / "fixtures" / "photos"
OUT = PHOTOS / "reference"
SIZE = 64


def cover(image: Image.Image, size: int) -> Image.Image:
    """Shorter side scaled to `size`, then the centred size x size square (libvips 'cover')."""
    width, height = image.size
    scale = size / min(width, height)
    scaled = image.resize((max(size, round(width * scale)), max(size, round(height * scale))), Image.BILINEAR)
    left = (scaled.size[0] - size + 1) // 2
    top = (scaled.size[1] - size + 1) // 2
    return scaled.crop((left, top, left + size, top + size))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for path in sorted(PHOTOS.glob("*.jpg")):
        image = ImageOps.exif_transpose(Image.open(path))
        rgb = cover(image.convert("RGB"), SIZE)
        rgb.save(OUT / f"{path.stem}.center-{SIZE}.png")
        rgb.convert("L").save(OUT / f"{path.stem}.center-{SIZE}.gray.png")
        stretched = image.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)
        stretched.save(OUT / f"{path.stem}.fill-{SIZE}.png")
        print(path.name, image.size, "->", SIZE)


if __name__ == "__main__":
    main()
