#!/usr/bin/env bash
# Refresh vendored front-end files from the npm registry (versions pinned here and in static/vendor/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
HTMX=2.0.11
# axe-core: the accessibility check the portal's browser test runs (not loaded by any page).
AXE=4.11.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "bootstrap@$BOOTSTRAP" "htmx.org@$HTMX" "axe-core@$AXE" >/dev/null)
tar xzf "$tmp/bootstrap-$BOOTSTRAP.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/bootstrap"
tar xzf "$tmp/htmx.org-$HTMX.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/htmx"
tar xzf "$tmp/axe-core-$AXE.tgz" -C "$tmp" && mv "$tmp/package" "$tmp/axe"
cp "$tmp/bootstrap/dist/css/bootstrap.min.css" "$tmp/bootstrap/dist/js/bootstrap.bundle.min.js" static/vendor/bootstrap/
cp "$tmp/bootstrap/LICENSE" static/vendor/bootstrap/LICENSE
cp "$tmp/htmx/dist/htmx.min.js" static/vendor/htmx/ && cp "$tmp/htmx/LICENSE" static/vendor/htmx/LICENSE
mkdir -p static/vendor/axe-core && cp "$tmp/axe/axe.min.js" "$tmp/axe/LICENSE" static/vendor/axe-core/
# Source maps are not shipped: drop the comments that would make browsers ask for them.
sed -i 's#/\*\# sourceMappingURL=.*\*/##' static/vendor/bootstrap/bootstrap.min.css
sed -i 's#//\# sourceMappingURL=.*##' static/vendor/bootstrap/bootstrap.bundle.min.js
echo "vendored bootstrap $BOOTSTRAP, htmx $HTMX and axe-core $AXE into static/vendor/"
