"""Reading a page's markup in tests as a person reads the page: one form field at a time."""

import re


def field_markup(html: str, name: str) -> str:
    """The markup of the form field ``name``: its label, box, help and errors."""
    start = html[: html.index(f'name="{name}"')].rindex('class="field')
    start = html[:start].rindex("<")
    # The field's own element ends where the elements opened inside it (help, errors) close.
    tag_name = re.match(r"<(\w+)", html[start:]).group(1)
    depth = 0
    for tag in re.finditer(rf"<{tag_name}\b|</{tag_name}>", html[start:]):
        depth += -1 if tag.group().startswith("</") else 1
        if depth == 0:
            return html[start : start + tag.end()]
    raise AssertionError(f"the field {name} is not closed")


def errors_shown(html: str) -> str:
    """The text of the errors a page shows (its <p class="error"> lines), apart from texts
    the page only carries for its scripts (the outbox's copies of the server's rules)."""
    return "\n".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, flags=re.DOTALL))
