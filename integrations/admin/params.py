"""Reading values from query strings: a malformed one is "not given", never a 500."""


def parse_id(text: str) -> int | None:
    """A database id from a query string, or None. `str.isdigit` alone would accept "²"."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None
