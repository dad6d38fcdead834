"""What an uploaded document is, decided from its content, never from its name.

A file is accepted as PDF, PNG or JPEG only when its first bytes say so (magic bytes) AND it holds
together as that kind of file: a PDF parses (pypdf: cross-reference table, document catalogue, at
least one page, no JavaScript or launch actions in plain sight), an image decodes in full (Pillow)
within a bounded pixel count. The name's extension must agree with the content, so a PNG named
``beslut.pdf`` is refused, and so is a file that starts with ``%PDF-`` and continues as HTML.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
MAGIC = {PDF: (b"%PDF-",), PNG: (b"\x89PNG\r\n\x1a\n",), JPEG: (b"\xff\xd8\xff",)}
EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 million; more is a decompression bomb
_ACTIVE_PDF = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile")


@dataclass(frozen=True)
class Verdict:
    content_type: str | None
    message: str = ""


def sniff(data: bytes) -> str | None:
    """The type the first bytes claim, or None."""
    for ctype, magics in MAGIC.items():
        if any(data.startswith(m) for m in magics):
            return ctype
    return None


def _pdf_problem(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if any(marker in data for marker in _ACTIVE_PDF):
        return "PDF-filen innehåller skript eller inbäddade filer; skicka en PDF utan sådant innehåll."
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return "PDF-filen är krypterad; skicka den utan lösenord."
            if reader.trailer.get("/Root") is None or len(reader.pages) < 1:
                return "Filen börjar som en PDF men saknar sidor."
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            OverflowError, AssertionError):
        return "Filen börjar som en PDF men går inte att läsa som en PDF."
    return ""


def _image_problem(data: bytes, ctype: str) -> str:
    from PIL import Image, ImageFile

    label = LABELS[ctype]
    # WeasyPrint switches Pillow to accepting truncated images for the whole process when it is imported
    # (the PDFs of protocols); an upload must still decode completely.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        return _decode_problem(Image, data, label)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _decode_problem(Image, data: bytes, label: str) -> str:  # noqa: N803 — the Pillow module
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != label or image.width * image.height > MAX_PIXELS:
                return f"Bilden går inte att läsa som {label}, eller är orimligt stor."
            image.load()  # decodes every pixel: a truncated or forged image fails here
    except Exception:  # noqa: BLE001 — Pillow raises many kinds for a broken image; all mean "not an image"
        return f"Filen börjar som en {label}-bild men går inte att läsa som en bild."
    return ""


def identify(data: bytes, filename: str) -> Verdict:
    """The content type of an acceptable document, or None with a Swedish message saying why not."""
    ctype = sniff(data)
    allowed = ", ".join(LABELS.values())
    if ctype is None:
        return Verdict(None, f"Bilagan är inte en godtagbar handling ({allowed}).")
    name = filename.lower()
    if not name.endswith(EXTENSIONS[ctype]):
        return Verdict(None, f"Filen är en {LABELS[ctype]} men heter {filename}: filnamnet ska sluta på "
                             f"{' eller '.join(EXTENSIONS[ctype])}.")
    problem = _pdf_problem(data) if ctype == PDF else _image_problem(data, ctype)
    if problem:
        return Verdict(None, problem)
    return Verdict(ctype)


# --------------------------------------------------------------------------- optional virus scanning

class ScannerUnavailable(Exception):
    """clamd is configured but did not answer: the upload is refused (fail closed), not stored unscanned."""


def clamd_scan(data: bytes, address: str, timeout: float = 30.0) -> str:
    """Scan with clamd's INSTREAM command. ``address`` is a Unix socket path or ``host:port``. Returns ""
    when clean, else the signature clamd found."""
    import socket
    import struct

    try:
        if address.startswith("/"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: object = address
        else:
            host, _, port = address.rpartition(":")
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
            target = (host.strip("[]"), int(port))
        with sock:
            sock.settimeout(timeout)
            sock.connect(target)
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), 1 << 16):
                chunk = data[start:start + (1 << 16)]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except (OSError, ValueError) as exc:
        raise ScannerUnavailable(str(exc)) from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith(" OK"):
        return ""
    if answer.endswith(" FOUND"):
        return answer.removeprefix("stream:").removesuffix(" FOUND").strip()
    raise ScannerUnavailable(answer or "inget svar")
