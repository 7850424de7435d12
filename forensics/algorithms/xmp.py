"""XMP packets (ISO 16684-1): find the packet, flatten its properties, read the edit history.

``xmpMM:History`` lists what Adobe (and other) tools did to the file (action, software agent, time); it
is where an editor's fingerprints most often survive a re-save. Packets that declare a DTD are not parsed,
so entity expansion cannot be used against the parser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

MAX_PACKET_BYTES = 8 * 1024 * 1024
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PREFIXES = {
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/lightroom/1.0/": "lr",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.google.com/photos/1.0/panorama/": "GPano",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
}


@dataclass
class Xmp:
    properties: dict[str, str | list[str]] = field(default_factory=dict)
    history: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def find_packets(data: bytes, limit: int = 4) -> list[bytes]:
    """Every ``<x:xmpmeta>`` packet in ``data`` (an image file or one of its segments), up to ``limit``."""
    packets, position = [], 0
    while len(packets) < limit:
        start = data.find(b"<x:xmpmeta", position)
        if start < 0:
            break
        end = data.find(b"</x:xmpmeta>", start)
        if end < 0:
            packets.append(data[start : start + MAX_PACKET_BYTES])
            break
        packets.append(data[start : end + len(b"</x:xmpmeta>")])
        position = end
    return packets


def parse_xmp(packet: bytes) -> Xmp:
    xmp = Xmp()
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        xmp.problems.append("XMP packet declares a DTD or entities; not parsed")
        return xmp
    try:
        root = ElementTree.fromstring(packet[:MAX_PACKET_BYTES])
    except ElementTree.ParseError as error:
        xmp.problems.append(f"XMP packet is not well-formed XML ({error})")
        return xmp
    for description in root.iter(f"{{{RDF}}}Description"):
        for key, value in description.attrib.items():
            if not key.startswith(f"{{{RDF}}}"):
                xmp.properties[_qualified(key)] = value
        for child in description:
            name = _qualified(child.tag)
            if name == "xmpMM:History":
                xmp.history.extend(_history(child))
            elif child.tag != f"{{{RDF}}}Description":
                value = _value(child)
                if value is not None:
                    xmp.properties[name] = value
    return xmp


def _qualified(tag: str) -> str:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        prefix = PREFIXES.get(namespace) or namespace.rstrip("/#").rsplit("/", 1)[-1]
        return f"{prefix}:{local}"
    return tag


def _value(element: ElementTree.Element) -> str | list[str] | None:
    items = [li for container in element for li in container if li.tag == f"{{{RDF}}}li"]
    if items:
        return [("".join(li.itertext())).strip() for li in items]
    text = "".join(element.itertext()).strip()
    if text:
        return text
    resource = element.attrib.get(f"{{{RDF}}}resource")
    if resource:
        return resource
    attributes = {_qualified(k): v for k, v in element.attrib.items() if not k.startswith(f"{{{RDF}}}")}
    return "; ".join(f"{k}={v}" for k, v in attributes.items()) or None


def _history(element: ElementTree.Element) -> list[dict[str, str]]:
    events = []
    for li in element.iter(f"{{{RDF}}}li"):
        event = {_qualified(k).split(":", 1)[-1]: v for k, v in li.attrib.items() if not k.startswith(f"{{{RDF}}}")}
        for child in li.iter():
            if child is not li and child.text and child.text.strip() and _qualified(child.tag).startswith("stEvt:"):
                event[_qualified(child.tag).split(":", 1)[1]] = child.text.strip()
        if event:
            events.append(event)
    return events
