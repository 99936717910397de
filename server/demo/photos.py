"""The demo's photos: a dozen small scenes drawn once with Pillow, stamped with a capture time.

Real phone photos stay out of the demo (they belong to the tests). Each scene is a small
drawing (480x360, so deriving hundreds stays quick; reports show 400-pixel thumbnails) of what
an auditor photographs: a shop front with the brand's sign, price tags, an empty shelf, a
receipt, a chat window... `PhotoSet.jpeg` takes a scene as one shot would (other things in
the frame, the angle, the framing, the light, drawn from the shot's own seed) and encodes it
with the EXIF capture time of the visit (DateTimeOriginal with its UTC offset). So every photo
of every audit has its own bytes and its own look, as a phone's would: the server's "photo
reused" flag fires only where the demo reuses a photo on purpose, and its near-duplicate check
finds few of the demo's photos alike (0-7 of 150 shots of one scene, measured), not every
photo of a scene.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Final

from PIL import ExifTags, Image, ImageDraw, ImageEnhance, ImageFont

WIDTH: Final = 480
HEIGHT: Final = 360
# Scenes are drawn on a 640x480 canvas, then shrunk to the photo size.
CANVAS_WIDTH: Final = 640
CANVAS_HEIGHT: Final = 480
CANVAS: Final = (CANVAS_WIDTH, CANVAS_HEIGHT)
FONT_FOLDERS: Final = (
    Path(__file__).resolve().parents[2] / "reports" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# What passes through a shot: people's clothes and skin, things on a desk.
CLOTHES: Final = (
    (52, 58, 74), (96, 72, 58), (140, 120, 96), (70, 96, 120),
    (160, 60, 56), (60, 110, 80), (200, 190, 170), (30, 30, 34),
)  # fmt: skip
SKIN: Final = (224, 190, 160)
Painter = Callable[[ImageDraw.ImageDraw, str], None]

SHOP_FRONT: Final = "shop_front"
SHELF_PRICED: Final = "shelf_priced"
SHELF_UNPRICED: Final = "shelf_unpriced"
SHELF_EMPTY: Final = "shelf_empty"
SIGN_DAMAGED: Final = "sign_damaged"
WINDOW_DISPLAY: Final = "window_display"
CHECKOUT_QUEUE: Final = "checkout_queue"
RECEIPT: Final = "receipt"
FLOOR_SPILL: Final = "floor_spill"
ENTRANCE_BLOCKED: Final = "entrance_blocked"
EMAIL_REPLY: Final = "email_reply"
CHAT_WINDOW: Final = "chat_window"
# Scenes shot from close by: no passer-by stands between the phone and them.
CLOSE_UPS: Final = frozenset({RECEIPT, EMAIL_REPLY, CHAT_WINDOW})


def _font(size: int, bold: bool = False) -> Font:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_FOLDERS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def _sky_and_pavement(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, 300), fill=(178, 205, 228))
    draw.rectangle((0, 400, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(150, 150, 146))


def _shop_front(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _sky_and_pavement(draw)
    draw.rectangle((60, 90, 580, 400), fill=(226, 220, 204), outline=(90, 80, 70), width=3)
    draw.rectangle((80, 105, 560, 165), fill=(0, 92, 70))
    draw.text((320, 135), brand.upper(), font=_font(38, bold=True), fill="white", anchor="mm")
    for left in (90, 400):
        draw.rectangle((left, 190, left + 150, 340), fill=(120, 160, 190), outline=(60, 60, 60))
    draw.rectangle((270, 200, 370, 400), fill=(70, 90, 100), outline=(40, 40, 40), width=2)
    draw.text((320, 375), "OPEN 8-22", font=_font(14), fill="white", anchor="mm")


def _sign_damaged(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _sky_and_pavement(draw)
    draw.rectangle((60, 90, 580, 400), fill=(214, 208, 190), outline=(90, 80, 70), width=3)
    draw.polygon(((80, 110), (560, 125), (555, 185), (85, 165)), fill=(40, 70, 60))
    letters = brand.upper()
    draw.text((320, 145), letters[: len(letters) // 2] + "  ", font=_font(38, True), fill="gray")
    draw.line((300, 110, 350, 190), fill=(20, 20, 20), width=4)
    draw.line((350, 190, 330, 230), fill=(20, 20, 20), width=3)


def _shelves(draw: ImageDraw.ImageDraw, priced: bool, stocked: bool) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(236, 234, 228))
    colours = ((200, 60, 50), (230, 170, 40), (60, 120, 190), (90, 160, 90), (150, 90, 160))
    label = _font(13, bold=True)
    for shelf, top in enumerate((60, 190, 320)):
        draw.rectangle((30, top + 100, 610, top + 112), fill=(120, 100, 80))
        for slot in range(8):
            left = 40 + slot * 71
            if stocked or (slot + shelf) % 3 == 0:
                draw.rectangle(
                    (left, top + 20, left + 56, top + 100),
                    fill=colours[(slot + shelf) % len(colours)],
                    outline=(50, 50, 50),
                )
            if priced or slot % 3 == 0:
                draw.rectangle((left, top + 113, left + 56, top + 128), fill="white")
                price = f"{3 + (slot * 7 + shelf * 5) % 20},{(slot * 37) % 100:02d}"
                draw.text((left + 28, top + 121), price, font=label, fill="black", anchor="mm")


def _shelf_priced(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _shelves(draw, priced=True, stocked=True)


def _shelf_unpriced(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _shelves(draw, priced=False, stocked=True)


def _shelf_empty(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _shelves(draw, priced=True, stocked=False)


def _window_display(draw: ImageDraw.ImageDraw, brand: str) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(60, 70, 80))
    draw.rectangle((40, 40, 600, 440), fill=(190, 215, 230), outline="white", width=6)
    draw.ellipse((110, 230, 250, 370), fill=(220, 90, 60))
    draw.rectangle((290, 200, 400, 380), fill=(240, 200, 70))
    draw.polygon(((440, 380), (500, 220), (560, 380)), fill=(80, 150, 100))
    draw.text((320, 110), "-20%", font=_font(64, bold=True), fill=(200, 30, 40), anchor="mm")


def _checkout_queue(draw: ImageDraw.ImageDraw, brand: str) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(230, 228, 222))
    draw.rectangle((380, 220, 620, 320), fill=(90, 90, 100))
    draw.text((500, 200), brand.upper(), font=_font(18, bold=True), fill=(0, 92, 70), anchor="mm")
    for person in range(6):
        left = 30 + person * 58
        draw.ellipse((left + 10, 170, left + 40, 200), fill=(180, 140, 110))
        draw.rectangle((left, 200, left + 50, 330), fill=((person * 40) % 200, 80, 140))
    draw.text((200, 400), "1 / 4", font=_font(22), fill=(60, 60, 60), anchor="mm")


def _receipt(draw: ImageDraw.ImageDraw, brand: str) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(120, 100, 84))
    draw.rectangle((190, 20, 450, 460), fill=(250, 250, 244))
    small = _font(14)
    draw.text((320, 50), brand.upper(), font=_font(18, bold=True), fill="black", anchor="mm")
    for line in range(9):
        top = 90 + line * 30
        draw.text((210, top), f"#{1000 + line * 17}", font=small, fill="black")
        draw.text((430, top), f"{2 + line * 3},{(line * 29) % 100:02d}", font=small,
                  fill="black", anchor="ra")  # fmt: skip
    draw.ellipse((370, 232, 445, 262), outline=(210, 20, 20), width=3)
    draw.line((210, 380, 430, 380), fill="black", width=2)


def _floor_spill(draw: ImageDraw.ImageDraw, brand: str) -> None:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(205, 200, 190))
    for row in range(0, CANVAS_HEIGHT, 60):
        draw.line((0, row, CANVAS_WIDTH, row), fill=(170, 165, 155))
    draw.ellipse((180, 260, 460, 380), fill=(150, 120, 60))
    draw.rectangle((500, 120, 560, 300), fill=(240, 200, 0))
    draw.text((530, 210), "!", font=_font(60, bold=True), fill="black", anchor="mm")


def _entrance_blocked(draw: ImageDraw.ImageDraw, brand: str) -> None:
    _sky_and_pavement(draw)
    draw.rectangle((200, 120, 440, 400), fill=(70, 90, 100), outline=(40, 40, 40), width=3)
    for box in range(4):
        left = 170 + box * 75
        draw.rectangle((left, 320 - box % 2 * 40, left + 70, 400), fill=(170, 130, 80),
                       outline=(90, 60, 30), width=2)  # fmt: skip


def _screen(draw: ImageDraw.ImageDraw, title: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    draw.rectangle((0, 0, CANVAS_WIDTH, CANVAS_HEIGHT), fill=(250, 250, 252))
    draw.rectangle((0, 0, CANVAS_WIDTH, 50), fill=(40, 60, 110))
    draw.text((20, 25), title, font=_font(20, bold=True), fill="white", anchor="lm")
    return _font(15)


def _email_reply(draw: ImageDraw.ImageDraw, brand: str) -> None:
    text = _screen(draw, "Re: " + brand)
    for line in range(10):
        length = 560 - (line * 53) % 220
        draw.rectangle((30, 80 + line * 32, 30 + length, 92 + line * 32), fill=(200, 204, 214))
    draw.text((30, 420), brand + " – customer service", font=text, fill=(40, 40, 40))


def _chat_window(draw: ImageDraw.ImageDraw, brand: str) -> None:
    text = _screen(draw, brand + " chat")
    for bubble in range(6):
        top = 70 + bubble * 62
        if bubble % 2:
            draw.rounded_rectangle((260, top, 610, top + 46), 12, fill=(210, 230, 250))
        else:
            draw.rounded_rectangle((30, top, 380, top + 46), 12, fill=(228, 228, 232))
    draw.text((40, 448), "12:0" + "1", font=text, fill=(90, 90, 90))


SCENES: Final[dict[str, Painter]] = {
    SHOP_FRONT: _shop_front,
    SHELF_PRICED: _shelf_priced,
    SHELF_UNPRICED: _shelf_unpriced,
    SHELF_EMPTY: _shelf_empty,
    SIGN_DAMAGED: _sign_damaged,
    WINDOW_DISPLAY: _window_display,
    CHECKOUT_QUEUE: _checkout_queue,
    RECEIPT: _receipt,
    FLOOR_SPILL: _floor_spill,
    ENTRANCE_BLOCKED: _entrance_blocked,
    EMAIL_REPLY: _email_reply,
    CHAT_WINDOW: _chat_window,
}


class PhotoSet:
    """The scenes of every brand, drawn on first use and kept; JPEGs made on demand."""

    def __init__(self) -> None:
        self._drawn: dict[tuple[str, str], Image.Image] = {}

    def scene(self, name: str, brand: str) -> Image.Image:
        key = (name, brand)
        image = self._drawn.get(key)
        if image is None:
            canvas = Image.new("RGB", CANVAS, "white")
            SCENES[name](ImageDraw.Draw(canvas), brand)
            image = canvas.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
            self._drawn[key] = image
        return image

    def shot(self, name: str, brand: str, seed: str) -> Image.Image:
        """The scene as one shot sees it: people passing in front of a store scene (things on
        the desk beside a close-up), tilted, framed and lit its own way; the same seed gives
        the same picture."""
        rng = random.Random(seed)  # noqa: S311 -- a repeatable demo
        picture = self.scene(name, brand).copy()
        draw = ImageDraw.Draw(picture)
        if name in CLOSE_UPS:
            for _thing in range(rng.randint(2, 3)):
                width, height = rng.uniform(0.15, 0.3) * WIDTH, rng.uniform(0.12, 0.3) * HEIGHT
                x = rng.choice((rng.uniform(-0.1, 0.15), rng.uniform(0.7, 0.95))) * WIDTH
                y = rng.uniform(0.0, 0.85) * HEIGHT
                draw.rounded_rectangle(
                    (x, y, x + width, y + height), radius=min(width, height) / 3,
                    fill=rng.choice(CLOTHES),
                )  # fmt: skip
        else:
            for _person in range(rng.randint(2, 4)):
                width, height = rng.uniform(0.09, 0.16) * WIDTH, rng.uniform(0.45, 0.8) * HEIGHT
                x = rng.uniform(-0.05, 0.95) * WIDTH
                top = HEIGHT - height * rng.uniform(0.7, 1.0)
                draw.rounded_rectangle(
                    (x, top + width * 0.55, x + width, top + height), radius=width / 3,
                    fill=rng.choice(CLOTHES),
                )  # fmt: skip
                draw.ellipse((x + width * 0.2, top, x + width * 0.8, top + width * 0.6), fill=SKIN)
        picture = picture.rotate(
            rng.uniform(-9, 9), resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128)
        )
        scale = rng.uniform(0.5, 0.85)
        left, top = rng.uniform(0, WIDTH * (1 - scale)), rng.uniform(0, HEIGHT * (1 - scale))
        framed = picture.crop((left, top, left + WIDTH * scale, top + HEIGHT * scale))
        framed = framed.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        # Light falling unevenly: brighter towards some corners, darker towards others.
        corners = Image.new("L", (2, 2))
        corners.putdata([rng.randint(0, 255) for _corner in range(4)])
        light = corners.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
        bright = ImageEnhance.Brightness(framed).enhance(rng.uniform(1.0, 1.3))
        dark = ImageEnhance.Brightness(framed).enhance(rng.uniform(0.55, 0.8))
        return Image.composite(bright, dark, light)

    def jpeg(self, name: str, brand: str, taken_at: dt.datetime, seed: str) -> bytes:
        """The scene as a phone's JPEG of the shot `seed` taken at `taken_at` (aware: its
        offset is recorded)."""
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "Shopscore"
        exif[ExifTags.Base.Model] = "Demo camera"
        details = exif.get_ifd(ExifTags.IFD.Exif)
        details[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        offset = taken_at.strftime("%z")
        details[ExifTags.Base.OffsetTimeOriginal] = f"{offset[:3]}:{offset[3:]}"
        buffer = io.BytesIO()
        self.shot(name, brand, seed).save(buffer, "JPEG", quality=82, exif=exif)
        return buffer.getvalue()
