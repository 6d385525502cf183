"""Text every output can carry.

The rule for text a reader (or an import, or an editor) sends: characters that XML 1.0 cannot
hold and HTML calls parse errors are dropped on the way in: the C0 controls but tab, line feed
and carriage return (NUL, ANSI escapes, backspace, vertical tab ...), DEL and the C1 controls,
lone surrogates and the noncharacters. Everything else is stored as sent (forms and the API
also trim the white space around a value, and a name's runs of white space become one space).
Forms, the API's serializers and the importers call `carriable` on every field; the XML
outputs (feeds, the WXR export) pass their text through it again, so a row stored before the
rule still cannot break them.
"""

import re

_NONCHARACTERS = "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_UNCARRIABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]"
)


def carriable(text: str) -> str:
    """`text` without the characters XML and HTML cannot carry (see the module's rule)."""
    return _UNCARRIABLE.sub("", text)


def carriable_values(value):
    """`carriable` applied to a string, or to each string in a list, tuple or dict's values;
    anything else is returned as it is."""
    if isinstance(value, str):
        return carriable(value)
    if isinstance(value, list | tuple):
        return type(value)(carriable_values(item) for item in value)
    if isinstance(value, dict):
        return {key: carriable_values(item) for key, item in value.items()}
    return value
