"""Reading what the app hands out back into plain data: CSV and XLSX files, JSON against its
schema, page text."""

from __future__ import annotations

import re
from html.parser import HTMLParser


def csv_sections(body: bytes) -> list[list[list[str]]]:
    """The tables of a results CSV, split at blank lines (header rows included): results,
    signals, then KPIs when the cycle tracks any."""
    import csv
    import io

    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    sections: list[list[list[str]]] = [[]]
    for line in csv.reader(io.StringIO(text[1:], newline="")):
        if line:
            sections[-1].append(line)
        else:
            sections.append([])
    return sections


def read_csv(body: bytes) -> tuple[list[list[str]], list[list[str]]]:
    """The results table and the signals table of a results CSV (header rows included)."""
    table, signals, *_kpis = csv_sections(body)
    return table, signals


def read_xlsx(body: bytes) -> dict[str, list[list[object]]]:
    """Sheets of an XLSX by name: rows of cell values (shared strings resolved, numbers as
    float, formulas as ("formula", text) so a test can see them)."""
    import io
    import xml.etree.ElementTree as ET
    import zipfile

    def parse(data: bytes) -> ET.Element:
        return ET.fromstring(data)  # noqa: S314 - the app's own output, read back

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = zipfile.ZipFile(io.BytesIO(body))
    strings = []
    if "xl/sharedStrings.xml" in book.namelist():
        for si in parse(book.read("xl/sharedStrings.xml")).findall("m:si", ns):
            strings.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in parse(book.read("xl/_rels/workbook.xml.rels"))}
    sheets: dict[str, list[list[object]]] = {}
    for sheet in parse(book.read("xl/workbook.xml")).find("m:sheets", ns):
        target = rels[sheet.get(rel_ns)]
        root = parse(book.read("xl/" + target.removeprefix("/xl/")))
        table: list[list[object]] = []
        for row in root.iter(f"{{{ns['m']}}}row"):
            values: list[object] = []
            for cell in row.findall("m:c", ns):
                col = re.match(r"[A-Z]+", cell.get("r")).group(0)
                index = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(col))) - 1
                values.extend([None] * (index - len(values)))
                formula = cell.find("m:f", ns)
                v = cell.find("m:v", ns)
                if formula is not None:
                    values.append(("formula", formula.text))
                elif cell.get("t") == "s":
                    values.append(strings[int(v.text)])
                elif cell.get("t") == "inlineStr":
                    values.append("".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t")))
                else:
                    values.append(float(v.text) if v is not None else None)
            table.append(values)
        sheets[sheet.get("name")] = table
    return sheets


def schema_errors(instance, schema, root=None, path="$") -> list[str]:
    """Errors of ``instance`` against ``schema``: $ref (local), type, enum, const, anyOf,
    oneOf, properties, required, additionalProperties, items, minimum, maximum."""
    root = root if root is not None else schema
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return schema_errors(instance, node, root, path)
    errors: list[str] = []
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    if "type" in schema:
        wanted = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = False
        for t in wanted:
            if t == "integer":
                ok |= isinstance(instance, int) and not isinstance(instance, bool)
            elif t == "number":
                ok |= isinstance(instance, int | float) and not isinstance(instance, bool)
            else:
                ok |= isinstance(instance, types[t])
        if not ok:
            return [f"{path}: {instance!r} is not of type {wanted}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: {instance!r} != {schema['const']!r}")
    if "minimum" in schema and isinstance(instance, int | float) and instance < schema["minimum"]:
        errors.append(f"{path}: {instance} < {schema['minimum']}")
    if "maximum" in schema and isinstance(instance, int | float) and instance > schema["maximum"]:
        errors.append(f"{path}: {instance} > {schema['maximum']}")
    if "anyOf" in schema:
        results = [schema_errors(instance, s, root, path) for s in schema["anyOf"]]
        if all(results):
            errors.append(f"{path}: matches no anyOf branch: {results}")
    if "oneOf" in schema:
        results = [schema_errors(instance, s, root, path) for s in schema["oneOf"]]
        matching = sum(1 for r in results if not r)
        if matching != 1:
            errors.append(f"{path}: matches {matching} oneOf branches: {results}")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key!r}")
        for key, value in instance.items():
            if key in props:
                errors.extend(schema_errors(value, props[key], root, f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors.extend(
                    schema_errors(value, schema["additionalProperties"], root, f"{path}.{key}")
                )
    if isinstance(instance, list) and "items" in schema:
        for k, value in enumerate(instance):
            errors.extend(schema_errors(value, schema["items"], root, f"{path}[{k}]"))
    return errors


def text_tokens(html: str) -> set[str]:
    parser = TextNodes()
    parser.feed(html)
    tokens = set()
    for node in parser.nodes:
        for token in node.split():
            tokens.add(token.strip(",.;:()[]"))
    return tokens


class TextNodes(HTMLParser):
    """The text a reader sees (SVG <text> included), one string per text node."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.nodes.append(data.strip())


def visible_text(html: str) -> str:
    """The text a reader sees, as one line with single spaces: inline markup such as <bdi>
    and <strong> leaves no trace; script and style are left out."""
    parser = _AllText()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


class _AllText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1
        elif tag in ("p", "li", "div", "h1", "h2", "h3", "td", "th", "br", "section"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
