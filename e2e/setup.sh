#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end test (e2e/run.mjs) needs; safe to re-run, it skips what is present.
#   - Debian packages: the build dependencies of code-server's native modules, ripgrep and Chromium;
#   - into .e2e/ (gitignored, its own package.json): code-server 4.100.3 (= VS Code 1.100.3, the newest that runs
#     on Node 20) and playwright-core (which drives Debian's Chromium; it never downloads a browser).
# Only the package registries are reachable here, so @vscode/ripgrep's download of `rg` from GitHub is replaced by a
# seeded cache holding Debian's /usr/bin/rg. See ../shared/guides/real-editors.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
E2E="$ROOT/.e2e"
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_CORE_VERSION=1.65.1   # engines: node >= 20; drives Debian's Chromium over CDP, never downloads one
RIPGREP_CACHE=vscode-ripgrep-cache-1.15.11
RIPGREP_TARBALL=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

start=$SECONDS
step_start=$SECONDS
step() { echo "== e2e setup: $*"; step_start=$SECONDS; }
done_step() { echo "   ($((SECONDS - step_start)) s)"; }

# --- Debian packages -------------------------------------------------------------------------------------------
APT_PACKAGES=(build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)
step "Debian packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "   installing: ${missing[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "   all present"
fi
done_step

# --- .e2e/package.json -----------------------------------------------------------------------------------------
mkdir -p "$E2E"
if [ ! -f "$E2E/package.json" ]; then
    cat >"$E2E/package.json" <<'EOF'
{
  "name": "greenlint-e2e-tools",
  "private": true,
  "description": "code-server and playwright-core for e2e/run.mjs; installed by e2e/setup.sh"
}
EOF
fi

installed_version() {  # installed_version PACKAGE: its version under .e2e/node_modules, or nothing
    node -e 'try { console.log(require(process.argv[1] + "/package.json").version) } catch { }' \
        "$E2E/node_modules/$1" 2>/dev/null || true
}

# --- code-server -----------------------------------------------------------------------------------------------
step "code-server $CODE_SERVER_VERSION"
if [ "$(installed_version code-server)" = "$CODE_SERVER_VERSION" ] && [ -x "$E2E/node_modules/.bin/code-server" ] \
    && [ -x "$E2E/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]; then
    echo "   present"
else
    # @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable); it looks in this cache first.
    tmp="$E2E/tmp"
    mkdir -p "$tmp/$RIPGREP_CACHE"
    if [ ! -s "$tmp/$RIPGREP_CACHE/$RIPGREP_TARBALL" ]; then
        rgdir=$(mktemp -d)
        cp /usr/bin/rg "$rgdir/rg"
        tar -czf "$tmp/$RIPGREP_CACHE/$RIPGREP_TARBALL" -C "$rgdir" rg
        rm -rf "$rgdir"
    fi
    # unsafe_perm: its postinstall refuses root otherwise; yes: node-pty's `npx node-gyp` would prompt and abort;
    # nodedir: Node's headers come from /usr/include/node instead of a download.
    (cd "$E2E" && TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
        npm install --save-exact --no-audit --no-fund --loglevel=error --foreground-scripts \
        "code-server@$CODE_SERVER_VERSION" >"$E2E/code-server-install.log" 2>&1) || {
        tail -n 40 "$E2E/code-server-install.log" >&2
        echo "e2e setup: installing code-server failed (full log: $E2E/code-server-install.log)" >&2
        exit 1
    }
    [ -x "$E2E/node_modules/.bin/code-server" ] || { echo "e2e setup: no code-server binary after install" >&2; exit 1; }
fi
echo "   code-server $(installed_version code-server)"
done_step

# --- playwright-core -------------------------------------------------------------------------------------------
step "playwright-core $PLAYWRIGHT_CORE_VERSION"
if [ "$(installed_version playwright-core)" = "$PLAYWRIGHT_CORE_VERSION" ]; then
    echo "   present"
else
    # playwright-core has no postinstall and never downloads a browser; run.mjs uses /usr/bin/chromium.
    (cd "$E2E" && npm install --save-exact --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_CORE_VERSION")
fi
done_step

echo "== e2e setup: done in $((SECONDS - start)) s"
