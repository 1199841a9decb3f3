"""Java ``.properties`` files, read and written exactly as ``java.util.Properties`` does.

:func:`loads` follows ``Properties.load(Reader)`` (the JDK's ``LineReader`` and
``loadConvert``): natural lines end at ``\\n``, ``\\r`` or ``\\r\\n``; leading space, tab and
form feed are skipped; a line whose first character is ``#`` or ``!`` is a comment (also where
a continued line begins with one after an empty first part, as the JDK does); an odd number of
backslashes at a line's end continues it onto the next, whose leading whitespace is dropped;
the key ends at the first unescaped ``=``, ``:``, space, tab or form feed, and the value starts
after the whitespace and at most one ``=``/``:`` that follow; ``\\t \\n \\r \\f`` and
``\\uXXXX`` (UTF-16 code units, so surrogate pairs make one character) are decoded, any other
escaped character stands for itself; a later key replaces an earlier one. A malformed
``\\uXXXX`` is an error, as Java's ``IllegalArgumentException`` is.

:func:`dumps` writes what ``Properties.store(OutputStream)`` writes: ASCII only, every other
character as ``\\uXXXX``, so both ``load(InputStream)`` (ISO-8859-1) and
``load(Reader)`` read back exactly the keys and values given.

Why not the jproperties library (2.1.2): on this module's corpus
(tests/unit/test_properties_java.py) it disagreed with the JDK on 89 of 400 files: it refuses
files Java loads (a lone escaped surrogate such as ``\\ud83d``, which Java keeps as a char),
accepts a malformed ``\\u12`` before ``\\r\\n``, and reads a ``#`` line after an empty
continued line as a key where Java skips it as a comment. A reader that disagrees with the
application's own JDK is what issue 21 is about, so golive keeps this one, written against the
Javadoc grammar and tested against the JDK itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

_BLANK = " \t\f"
_EOL = "\r\n"
_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "f": "\f"}
_HEX = set("0123456789abcdefABCDEF")


class PropertiesError(ValueError):
    """The text is not a properties file Java can load (a malformed ``\\uXXXX``)."""


def _logical_lines(text: str) -> Iterator[str]:
    """The logical lines of ``text``, as the JDK's ``Properties.LineReader`` returns them:
    comments and blank lines dropped, continuations joined (escapes still in place)."""
    i, n = 0, len(text)
    buf: list[str] = []
    skip_blank = True  # skipping whitespace at the start of a natural line
    appended = False  # that natural line continues the previous one
    backslash = False  # an odd number of backslashes precedes the current character
    while i < n:
        c = text[i]
        i += 1
        if skip_blank:
            if c in _BLANK or (not appended and c in _EOL):
                continue
            skip_blank = appended = False
        if not buf and c in "#!":
            while i < n and text[i] not in _EOL:  # a comment runs to the line's end
                i += 1
            skip_blank = True
            continue
        if c not in _EOL:
            buf.append(c)
            backslash = not backslash if c == "\\" else False
            continue
        if not buf:
            skip_blank = True
            continue
        if i >= n:  # the file ends here
            break
        if not backslash:
            yield "".join(buf)
            buf, skip_blank = [], True
            continue
        buf.pop()  # the backslash that continues the line
        skip_blank = appended = True
        backslash = False
        if c == "\r" and text[i] == "\n":
            i += 1
    if buf:
        yield "".join(buf[:-1] if backslash else buf)


def _convert(raw: str) -> str:
    """``raw`` with its escapes decoded (the JDK's ``loadConvert``)."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        i += 1
        if c != "\\" or i >= n:
            out.append(c)
            continue
        c = raw[i]
        i += 1
        if c != "u":
            out.append(_ESCAPES.get(c, c))
            continue
        digits = raw[i : i + 4]
        if len(digits) < 4 or not set(digits) <= _HEX:
            raise PropertiesError(f"malformed \\uxxxx escape: \\u{digits}")
        out.append(chr(int(digits, 16)))
        i += 4
    # Java strings are UTF-16: an escaped surrogate pair is one character
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _split(line: str) -> tuple[str, str]:
    """A logical line's raw key and raw value (the JDK's ``load0``)."""
    n = len(line)
    key_len, value_start, has_sep, backslash = 0, n, False, False
    while key_len < n:
        c = line[key_len]
        if c in "=:" and not backslash:
            value_start, has_sep = key_len + 1, True
            break
        if c in _BLANK and not backslash:
            value_start = key_len + 1
            break
        backslash = not backslash if c == "\\" else False
        key_len += 1
    while value_start < n:
        c = line[value_start]
        if c not in _BLANK:
            if has_sep or c not in "=:":
                break
            has_sep = True
        value_start += 1
    return line[:key_len], line[value_start:]


def loads(text: str) -> dict[str, str]:
    """The properties of ``text`` as ``java.util.Properties.load`` reads them (the last value
    of a key wins); :class:`PropertiesError` where Java would refuse the file."""
    props: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split(line)
        props[_convert(key)] = _convert(value)
    return props


def _escape(text: str, *, key: bool) -> str:
    """``text`` as ``Properties.store`` writes it (``saveConvert`` with ``escUnicode``)."""
    out: list[str] = []
    units = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(units), 2):
        code = int.from_bytes(units[i : i + 2], "little")
        c = chr(code)
        if c == " ":
            out.append("\\ " if key or i == 0 else " ")
        elif c in "\t\n\r\f":
            out.append("\\" + "tnrf"["\t\n\r\f".index(c)])
        elif c in "=:#!\\":
            out.append("\\" + c)
        elif 0x20 <= code <= 0x7E:
            out.append(c)
        else:
            out.append(f"\\u{code:04X}")
    return "".join(out)


def dumps(props: Mapping[str, str]) -> str:
    """``props`` as a properties file that Java reads back exactly (ASCII only)."""
    return "".join(f"{_escape(k, key=True)}={_escape(v, key=False)}\n" for k, v in props.items())
