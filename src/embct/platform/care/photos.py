"""A therapist's photo for the welcome message: checked, re-encoded and made small.

An upload is accepted only if Pillow reads it as a real JPEG, PNG or WebP image of a sane size;
it is then turned upright (EXIF orientation), cropped to a square around its centre, resized to
:data:`SIZE` pixels and written anew as a JPEG, so nothing of the uploaded file survives but
its pixels: no EXIF (camera, GPS position, date), no comments, no trailing bytes.
"""

from __future__ import annotations

import io
import warnings
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

#: Upload limit in bytes (a phone photo is 2-5 MB).
MAX_BYTES = 8 * 1024 * 1024
#: Images with more pixels are refused before they are decoded (a decompression bomb; a
#: 16-megapixel PNG decodes to about 64 MB). A JPEG is decoded at a reduced scale
#: (``Image.draft``: 1/2 to 1/8, never below 4 x SIZE), so it may have more: a 64-megapixel
#: phone photo decodes to about 3 megapixels.
MAX_PIXELS = 16_000_000
MAX_JPEG_PIXELS = 64_000_000
#: The stored photo is SIZE x SIZE pixels.
SIZE = 256
FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPE = "image/jpeg"


class PhotoError(ValueError):
    """The upload is not a photo the platform accepts; the message says why, in words."""


def process(upload: IO[bytes], size: int | None = None) -> bytes:
    """The photo in ``upload`` as a fresh ``SIZE`` x ``SIZE`` JPEG without metadata.

    ``size`` is the upload's length when known (checked before anything is read).

    Raises
    ------
    PhotoError
        Too large, not an image, a format other than JPEG, PNG or WebP, or too many pixels.
    """
    if size is not None and size > MAX_BYTES:
        raise PhotoError("too large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError("too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise PhotoError(f"format {probe.format}")
                limit = MAX_JPEG_PIXELS if probe.format == "JPEG" else MAX_PIXELS
                if probe.width * probe.height > limit:
                    raise PhotoError("too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if image.format == "JPEG":
                    image.draft("RGB", (4 * SIZE, 4 * SIZE))
                image.load()
                upright = ImageOps.exif_transpose(image)
                square = ImageOps.fit(
                    upright.convert("RGB"), (SIZE, SIZE), Image.Resampling.LANCZOS
                )
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("not an image") from None
    except (OSError, SyntaxError, ValueError) as problem:  # truncated or corrupt
        raise PhotoError("not a readable image") from problem
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
