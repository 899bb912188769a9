-- Page breaks where the printed document has them: before headings marked « new-page »,
-- after the cover and the table of contents.
local page_break = pandoc.RawBlock("openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

function Header(element)
  if element.classes:includes("new-page") then
    return { page_break, element }
  end
end

function Div(element)
  if element.classes:includes("cover") or element.classes:includes("toc") then
    return { element, page_break }
  end
end
