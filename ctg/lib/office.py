"""The editable (DOCX) copy of a document, written from the very HTML its PDF is printed from,
so that both carry the same text: pandoc reads the HTML, a reference document gives the A4
page, the French language, the fonts, page numbers and, until the act is frozen, the
« PROJET » mark in every page's header; the file's properties are set in French."""

import io
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docx
import lxml.html
import pypandoc
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

PAGE_BREAKS_FILTER = Path(__file__).with_name("office_page_breaks.lua")
# Elements that only make sense on paper: the watermark (the DOCX has its header instead),
# the running-header strings, images drawn for print.
PRINT_ONLY = "//*[contains(concat(' ', normalize-space(@class), ' '), ' print-only ')] | //svg | //title | //link"
SERIF, SANS = "Liberation Serif", "Liberation Sans"
ACCENT = RGBColor(0x1D, 0x4E, 0x6B)
LANGUAGE = "fr-FR"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DRAFT_MARK = "PROJET — document de travail, non contractuel"


@dataclass(frozen=True)
class Properties:
    title: str
    subject: str = ""
    author: str = ""
    keywords: str = ""


def html_to_docx(html: str, properties: Properties, *, draft: bool) -> bytes:
    """The DOCX of a document's HTML (the one given to WeasyPrint)."""
    tree = lxml.html.document_fromstring(html)
    for element in tree.xpath(PRINT_ONLY):
        element.drop_tree()
    source = lxml.html.tostring(tree, encoding="unicode")
    with tempfile.NamedTemporaryFile(suffix=".docx") as reference, tempfile.NamedTemporaryFile(suffix=".docx") as out:
        reference.write(reference_document(draft))
        reference.flush()
        pypandoc.convert_text(
            source,
            "docx",
            format="html",
            outputfile=out.name,
            extra_args=[
                f"--reference-doc={reference.name}",
                f"--lua-filter={PAGE_BREAKS_FILTER}",
                f"--metadata=lang:{LANGUAGE}",
            ],
        )
        document = docx.Document(out.name)
    core = document.core_properties
    core.title = properties.title
    core.subject = properties.subject
    core.author = properties.author
    core.keywords = properties.keywords
    core.language = LANGUAGE
    core.comments = ""
    core.category = "Convention territoriale globale"
    core.last_modified_by = properties.author
    core.revision = 1
    result = io.BytesIO()
    document.save(result)
    return result.getvalue()


@cache
def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


@cache
def reference_document(draft: bool) -> bytes:
    """Pandoc's own reference document, set for French administrative acts: A4 with the PDF's
    margins, serif body, sans-serif headings, « Page n / N » in the footer and, for a draft,
    the mark in the header."""
    default = subprocess.run(  # noqa: S603 - pandoc from its wheel, fixed arguments
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True,
        check=True,
    ).stdout
    document = docx.Document(io.BytesIO(default))
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = (
        Mm(22),
        Mm(20),
        Mm(20),
        Mm(22),
    )
    styles = document.styles
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Block Text"):
        if name in styles:
            _font(styles[name], SERIF, 10.5)
    for name, size in (("Title", 22), ("Heading 1", 20), ("Heading 2", 14), ("Heading 3", 11.5), ("Heading 4", 10.5)):
        _font(styles[name], SANS, size, color=ACCENT if name in ("Heading 2", "Title") else RGBColor(0x11, 0x11, 0x11))
    if "Table" in styles:
        _font(styles["Table"], SERIF, 9.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" / ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)
    if draft:
        mark = section.header.paragraphs[0]
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = mark.add_run(DRAFT_MARK)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0xA0, 0x1C, 0x1C)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font(style, name, size, color=None):
    style.font.name = name
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)
    if color is not None:
        style.font.color.rgb = color


def _field(paragraph, instruction):
    """A Word field (PAGE, NUMPAGES) that the word processor computes."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)
