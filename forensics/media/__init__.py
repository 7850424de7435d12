"""Safe decoding of evidence files into the ``Media`` object that every analyser shares."""

from forensics.media.loader import Limits, Media, PixelsUndecodable, load_media, partial_note
from forensics.media.orientation import upright
from forensics.media.sniff import FileType, sniff

__all__ = ["FileType", "Limits", "Media", "PixelsUndecodable", "load_media", "partial_note", "sniff", "upright"]
