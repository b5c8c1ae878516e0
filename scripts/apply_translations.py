"""Fill unfinished entries of the zh_CN .ts from resources/i18n/pending_*.json files
({"Context": {"English source": "中文"}}), written by whoever added the strings; then run
scripts/update_translations.sh again to compile. Prints what is still missing."""
from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "hotline_zh_CN.ts"


def main() -> int:
    pending: dict[str, dict[str, str]] = {}
    for path in sorted(TS.parent.glob("pending_*.json")):
        for context, entries in json.loads(path.read_text(encoding="utf-8")).items():
            pending.setdefault(context, {}).update(entries)
    tree = ET.parse(TS)
    missing = []
    for context in tree.getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation.get("type") != "unfinished":
                continue
            source = message.findtext("source")
            text = pending.get(name, {}).get(source)
            if text is None:
                missing.append(f"{name}: {source}")
                continue
            translation.text = text
            del translation.attrib["type"]
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    for line in missing:
        print("missing:", line)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
