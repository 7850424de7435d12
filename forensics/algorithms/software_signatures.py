"""Names of editing software and AI image generators, as they appear in metadata fields.

Curated from the strings editors write into EXIF Software, XMP CreatorTool / History softwareAgent, PNG
text chunks, JPEG comments and container encoder tags (ExifTool's and JPEGsnoop's software lists were
consulted for coverage). Camera firmware strings (e.g. "5.1.1", "Ver.1.00", "BS685BWYx08237") match none
of these. Matching is case-insensitive on word boundaries.
"""

from __future__ import annotations

import re

EDITORS = [
    ("Adobe Photoshop", r"photoshop"), ("Adobe Lightroom", r"lightroom"), ("Adobe Camera Raw", r"camera raw"),
    ("Adobe ImageReady", r"imageready"), ("Adobe Illustrator", r"illustrator"), ("Adobe Premiere", r"premiere"),
    ("Adobe After Effects", r"after effects"), ("Adobe Express", r"adobe express"),
    ("GIMP", r"gimp"), ("Picasa", r"picasa"), ("Snapseed", r"snapseed"), ("Paint.NET", r"paint\.net"),
    ("PaintShop Pro", r"paint ?shop"), ("Corel", r"corel"), ("ACDSee", r"acd ?see"), ("IrfanView", r"irfanview"),
    ("XnView", r"xnview"), ("ImageMagick", r"imagemagick"), ("GraphicsMagick", r"graphicsmagick"),
    ("Affinity Photo", r"affinity"), ("Pixelmator", r"pixelmator"), ("Capture One", r"capture ?one"),
    ("darktable", r"darktable"), ("RawTherapee", r"rawtherapee"), ("Luminar", r"luminar"), ("Aperture", r"aperture \d"),
    ("iPhoto", r"iphoto"), ("Apple QuickTime", r"quicktime"), ("Windows Photo Editor", r"windows photo"),
    ("Windows Live Photo Gallery", r"photo gallery"), ("Microsoft Paint", r"mspaint|microsoft paint"),
    ("PhotoScape", r"photoscape"), ("Fotor", r"fotor"), ("Canva", r"canva"), ("Facetune", r"facetune"),
    ("VSCO", r"vsco"), ("PicsArt", r"picsart"), ("Meitu", r"meitu"), ("FaceApp", r"faceapp"),
    ("Photopea", r"photopea"), ("Krita", r"krita"), ("Inkscape", r"inkscape"), ("FastStone", r"faststone"),
    ("LEAD Technologies", r"lead technologies"), ("gd-jpeg (PHP GD)", r"gd-jpeg"),
    ("FFmpeg (Lavf/Lavc)", r"lavf|lavc|ffmpeg"), ("HandBrake", r"handbrake"), ("Final Cut", r"final cut"),
    ("iMovie", r"imovie"), ("DaVinci Resolve", r"davinci"), ("CapCut", r"capcut"), ("Kdenlive", r"kdenlive"),
    ("Shotcut", r"shotcut"), ("Avidemux", r"avidemux"), ("VLC", r"\bvlc\b"), ("OpenShot", r"openshot"),
]
AI_GENERATORS = [
    ("Stable Diffusion", r"stable ?diffusion|sd ?xl|\bsdxl\b"), ("Midjourney", r"midjourney"),
    ("DALL-E", r"dall[-·\u00b7 ]?e"), ("Adobe Firefly", r"firefly"), ("NovelAI", r"novelai"),
    ("ComfyUI", r"comfyui"), ("Automatic1111", r"automatic1111"), ("Google Imagen", r"imagen"),
    ("Leonardo.Ai", r"leonardo\.?ai"), ("Ideogram", r"ideogram"), ("Flux", r"\bflux(?:\.1)?\b"),
    ("IPTC trainedAlgorithmicMedia", r"trainedalgorithmicmedia"),
]

_EDITOR_PATTERNS = [(name, re.compile(rf"(?<![a-z]){pattern}", re.IGNORECASE)) for name, pattern in EDITORS]
_AI_PATTERNS = [(name, re.compile(rf"(?<![a-z]){pattern}", re.IGNORECASE)) for name, pattern in AI_GENERATORS]
# Keys that A1111 / ComfyUI / InvokeAI write into PNG text chunks, whatever their values.
AI_TEXT_KEYS = {"parameters": "Stable Diffusion web UI (Automatic1111)", "prompt": "ComfyUI", "workflow": "ComfyUI",
                "invokeai_metadata": "InvokeAI", "sd-metadata": "Stable Diffusion", "dream": "Stable Diffusion"}


def match_editor(text: str) -> str | None:
    for name, pattern in _EDITOR_PATTERNS:
        if pattern.search(text):
            return name
    return None


def match_ai_generator(text: str) -> str | None:
    for name, pattern in _AI_PATTERNS:
        if pattern.search(text):
            return name
    return None
