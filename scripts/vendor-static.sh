#!/usr/bin/env bash
# Refresh vendored front-end files from the npm registry (versions pinned here and in static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
HTMX=2.0.11
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" >/dev/null)
tar xzf "$tmp/bootstrap-$BOOTSTRAP.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/bootstrap"
tar xzf "$tmp/htmx.org-$HTMX.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/htmx"
cp "$tmp/bootstrap/dist/css/bootstrap.min.css" "$tmp/bootstrap/dist/js/bootstrap.bundle.min.js" static/vendor/bootstrap/
cp "$tmp/bootstrap/LICENSE" static/vendor/bootstrap/LICENSE
cp "$tmp/htmx/dist/htmx.min.js" static/vendor/htmx/ && cp "$tmp/htmx/LICENSE" static/vendor/htmx/LICENSE
# Source maps are not shipped: drop the comments that would make browsers ask for them.
sed -i 's#/\*\# sourceMappingURL=.*\*/##' static/vendor/bootstrap/bootstrap.min.css
sed -i 's#//\# sourceMappingURL=.*##' static/vendor/bootstrap/bootstrap.bundle.min.js
echo "vendored bootstrap $BOOTSTRAP and htmx $HTMX into static/vendor/"
