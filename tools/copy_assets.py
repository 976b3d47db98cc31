"""Copy the front-end libraries installed by npm into the package's static/vendor folder.

They come from the npm registry at set-up (package.json, package-lock.json) and are never
committed; this script puts the few files the web app serves where the app finds them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NODE = REPO / "node_modules"
VENDOR = REPO / "src" / "perron" / "web" / "static" / "vendor"

FILES = {
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "vega/build/vega.min.js": "vega/vega.min.js",
    "vega-lite/build/vega-lite.min.js": "vega/vega-lite.min.js",
    "vega-embed/build/vega-embed.min.js": "vega/vega-embed.min.js",
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-dist/favicon-32x32.png": "swagger-ui/favicon-32x32.png",
    "swagger-ui-dist/LICENSE": "swagger-ui/LICENSE",
}


def main() -> int:
    missing = [src for src in FILES if not (NODE / src).exists()]
    if missing:
        print(f"missing in node_modules: {', '.join(missing)}; run `npm ci` first", file=sys.stderr)
        return 1
    for src, dst in FILES.items():
        target = VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if (NODE / src).is_dir():
            shutil.copytree(NODE / src, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(NODE / src, target)
    print(f"web assets: {len(FILES)} copied to {VENDOR.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
