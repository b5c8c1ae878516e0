#!/usr/bin/env bash
# Refresh the zh_CN translation source from ui/*.py, then compile it to the .qm the app loads.
# Without locations the .ts does not change when code merely moves, which keeps merges quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
"$bin/pyside6-lupdate" -no-obsolete -locations none ui/*.py -ts resources/i18n/hotline_zh_CN.ts
"$bin/pyside6-lrelease" resources/i18n/hotline_zh_CN.ts -qm resources/i18n/hotline_zh_CN.qm
