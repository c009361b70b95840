"""获奖证书 as PDF: one A4 landscape page per award, the Chinese font embedded, a QR code that opens
the public verification page (with the same address as a link and in print beside it).

Pure: certificates in, PDF bytes out (reportlab). The font is embedded as a subset of the glyphs
used, so a certificate prints the same on a machine without Chinese fonts. reportlab reads
TrueType outlines only: WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, installed by
``make deps`` and the image) and other glyf fonts work; the CFF-based Noto/Source Han CJK fonts
do not, so they are not looked for."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

FONT = "zhengji-cjk"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
RED = Color(0.62, 0.08, 0.08)
PAGE = landscape(A4)


class FontMissing(Exception):
    """No TrueType font with Chinese glyphs on this machine (or at the configured path)."""


@dataclass(frozen=True)
class Certificate:
    code: str
    campaign_title: str
    issuer: str
    level_name: str
    award: str
    title: str
    author: str | None
    unit_name: str
    issued_on: date
    verify_url: str


@cache
def register_font(configured: Path | None = None) -> str:
    """Register the first usable Chinese font with reportlab (once per process); its name."""
    for path in (configured,) if configured else FONT_CANDIDATES:
        if path.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
            return FONT
    raise FontMissing(str(configured) if configured else ", ".join(map(str, FONT_CANDIDATES)))


def render(certificates: Sequence[Certificate], font: Path | None = None) -> bytes:
    """One PDF holding one page per certificate."""
    name = register_font(font)
    out = BytesIO()
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1, invariant=1)
    canvas.setTitle("获奖证书")
    canvas.setAuthor(certificates[0].issuer if certificates else "")
    for certificate in certificates:
        _page(canvas, certificate, name)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _page(canvas: Canvas, c: Certificate, font: str) -> None:
    width, height = PAGE
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)
    canvas.setFillColor(RED)
    canvas.setFont(font, 44)
    canvas.drawCentredString(width / 2, height - 52 * mm, "获 奖 证 书")
    canvas.setFillColorRGB(0, 0, 0)
    holder = f"{c.author}（{c.unit_name}）" if c.author else c.unit_name
    text = (
        f"{escape(holder)}：<br/>"
        f"　　您的作品《{escape(c.title)}》在{escape(c.campaign_title)}（{escape(c.level_name)}）中"
        f"荣获<font color='#9e1414'>{escape(c.award)}</font>。<br/>　　特发此证，以资鼓励。"
    )
    body = ParagraphStyle(
        "body", fontName=font, fontSize=20, leading=36, alignment=TA_JUSTIFY, wordWrap="CJK"
    )
    paragraph = Paragraph(text, body)
    box = width - 80 * mm
    _, used = paragraph.wrap(box, height)
    paragraph.drawOn(canvas, 40 * mm, height - 70 * mm - used)
    signed = ParagraphStyle("signed", fontName=font, fontSize=16, leading=24, alignment=TA_CENTER)
    day = f"{c.issued_on.year}年{c.issued_on.month}月{c.issued_on.day}日"
    signature = Paragraph(f"{escape(c.issuer)}<br/>{day}", signed)
    signature.wrap(100 * mm, 40 * mm)
    signature.drawOn(canvas, width - 130 * mm, 30 * mm)
    _qr(canvas, c.verify_url, 24 * mm, 24 * mm, 30 * mm)
    canvas.setFont(font, 9)
    canvas.drawString(58 * mm, 44 * mm, f"证书编号：{c.code}")
    canvas.drawString(58 * mm, 38 * mm, "扫码或访问以下地址验证真伪：")
    canvas.drawString(58 * mm, 32 * mm, c.verify_url)
    canvas.linkURL(c.verify_url, (24 * mm, 24 * mm, 54 * mm, 54 * mm), relative=0)


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)
