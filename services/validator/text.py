"""Text works: readable, and within the notice's character limits (Shanxi: “文字2000字以内”).

Counted: plain text (UTF-8, UTF-16 with BOM, or GB18030, which is what
Notepad and Excel on a Chinese Windows save) and Word DOCX (the text of
``word/document.xml``). PDF, DOC and RTF, which intake also takes, are
checked for readability only: their text needs a real parser, so a limit
is a note asking the teacher to check it. Characters are counted as Word's "字符数(不计空格)":
every character except whitespace, so a Chinese character, a letter and a
punctuation mark count one each.
"""

import html
import re
import zipfile
from pathlib import Path

from contracts.campaign import TextSpec
from contracts.events import Finding, Severity
from services.validator.documents import inspect_document
from services.validator.kind_finding import Subject
from services.validator.sheet_xml import Unreadable

MAX_TEXT_BYTES = 20 * 1024 * 1024
_WORD_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>|<w:(?:p|br|tab)[\s/>]")
_UNCOUNTED = (b"%PDF-", b"\xd0\xcf\x11\xe0", b"{\\rtf")  # PDF, old Word (OLE2), RTF


def _docx_text(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_TEXT_BYTES:
                raise Unreadable("文档过大", "the document is too large")
            xml = archive.read(info).decode("utf-8", errors="replace")
    except KeyError as exc:
        raise Unreadable("不是Word文档（DOCX）", "it is not a Word document (DOCX)") from exc
    except zipfile.BadZipFile as exc:
        raise Unreadable("文档不完整或已损坏", "the document is incomplete or damaged") from exc
    parts = [html.unescape(m.group(1)) if m.group(1) is not None else "\n" for m in _WORD_TEXT.finditer(xml)]
    return "".join(parts)


def read_text(path: Path) -> str:
    """The text of a TXT or DOCX file; raises Unreadable with a reason a teacher understands."""
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise Unreadable("文件过大，不像是文字稿", "the file is too large to be a text")
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        return _docx_text(path)
    if data.startswith(_UNCOUNTED):
        raise Unreadable(
            "这是PDF、旧版Word或RTF文件，无法读取文字：请另存为TXT或DOCX",
            "it is a PDF, old Word or RTF file, whose text cannot be read: save it as TXT or DOCX",
        )
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise Unreadable(
        "无法识别文字编码，请另存为UTF-8编码的TXT", "the text encoding is unknown: save it as UTF-8"
    )


def count_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def _uncounted(path: Path, spec: TextSpec, who: Subject) -> list[Finding]:
    """PDF, DOC and RTF texts: whether they open is checked; their characters are not counted."""
    info = inspect_document(path)
    if info.format in ("pdf", "doc") and not info.readable:
        return [
            who.finding("text.readable", "可以打开的文字稿", "无法读取", f"{info.reason_zh}", info.reason_en)
        ]
    limits = [f"≤ {spec.max_chars} 字"] * (spec.max_chars is not None) + [f"≥ {spec.min_chars} 字"] * (
        spec.min_chars is not None
    )
    if not limits:
        return []
    want = "，".join(limits)
    return [
        who.finding(
            "text.length",
            want,
            "未统计",
            f"PDF、DOC或RTF文件的字数无法自动统计，请自行确认（{want}）；上传TXT或DOCX可自动检查",
            f"characters in a PDF, DOC or RTF file are not counted: check the limit ({want}) yourself; "
            "TXT or DOCX are checked automatically",
            Severity.INFO,
        )
    ]


def check_text(path: Path, spec: TextSpec | None, who: Subject) -> list[Finding]:
    spec = spec or TextSpec()
    if path.stat().st_size == 0:
        return [who.empty()]
    with path.open("rb") as f:
        if f.read(8).startswith(_UNCOUNTED):
            return _uncounted(path, spec, who)
    try:
        text = read_text(path)
    except (Unreadable, OSError) as exc:
        zh, en = (exc.zh, exc.en) if isinstance(exc, Unreadable) else ("无法读取", "it cannot be read")
        return [who.finding("text.readable", "TXT或DOCX文字稿", "无法读取", f"{zh}", en)]
    n = count_chars(text)
    if n == 0:
        return [who.finding("text.readable", "有文字", "0 字", "文件中没有文字", "the file holds no text")]
    if spec.max_chars is not None and n > spec.max_chars:
        return [
            who.finding(
                "text.length",
                f"≤ {spec.max_chars} 字",
                f"{n} 字",
                f"共{n}字（不计空格），超过{spec.max_chars}字的上限：请删减{n - spec.max_chars}字以上",
                f"{n} characters (spaces not counted), over the limit of {spec.max_chars}: cut at least "
                f"{n - spec.max_chars}",
            )
        ]
    if spec.min_chars is not None and n < spec.min_chars:
        return [
            who.finding(
                "text.length",
                f"≥ {spec.min_chars} 字",
                f"{n} 字",
                f"共{n}字（不计空格），少于要求的{spec.min_chars}字：请补充内容",
                f"{n} characters (spaces not counted), fewer than the required {spec.min_chars}: add content",
            )
        ]
    return []
