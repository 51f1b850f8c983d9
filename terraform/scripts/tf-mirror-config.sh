#!/usr/bin/env bash
# Writes a Terraform CLI config that installs providers from a local
# filesystem mirror (no registry access needed) and prints its path.
#
#   export TF_CLI_CONFIG_FILE="$(terraform/scripts/tf-mirror-config.sh)"
#
# The mirror is $TF_PLUGIN_MIRROR when set; otherwise the first of a few common
# plugin directories, then of a bounded `find`, that contains
# registry.terraform.io/hashicorp/aws. Exits 3 when no mirror is found.
# Output file: $1, or $TF_MIRROR_CONFIG_OUT, or a new temporary file.
set -euo pipefail

has_aws() { [[ -d "$1/registry.terraform.io/hashicorp/aws" ]]; }

find_mirror() {
  if [[ -n "${TF_PLUGIN_MIRROR:-}" ]]; then
    if has_aws "$TF_PLUGIN_MIRROR"; then echo "$TF_PLUGIN_MIRROR"; return 0; fi
    echo "TF_PLUGIN_MIRROR=$TF_PLUGIN_MIRROR has no registry.terraform.io/hashicorp/aws" >&2
    return 1
  fi
  local candidates=(
    "${TF_PLUGIN_CACHE_DIR:-}"
    "$HOME/.terraform.d/plugins"
    "$HOME/.local/share/terraform/plugins"
    "${XDG_DATA_HOME:-$HOME/.local/share}/terraform/plugins"
    /usr/local/share/terraform/plugins
    /usr/share/terraform/plugins
  )
  local dir
  for dir in "${candidates[@]}"; do
    [[ -n "$dir" ]] && has_aws "$dir" && { echo "$dir"; return 0; }
  done
  local hit
  hit="$(find /opt /usr/local /usr/share "$HOME" -maxdepth 6 -type d -path '*/registry.terraform.io/hashicorp/aws' 2>/dev/null | head -n 1 || true)"
  if [[ -n "$hit" ]]; then
    dirname "$(dirname "$(dirname "$hit")")"
    return 0
  fi
  return 1
}

mirror="$(find_mirror)" || { echo "no Terraform provider mirror with registry.terraform.io/hashicorp/aws found (set TF_PLUGIN_MIRROR)" >&2; exit 3; }
out="${1:-${TF_MIRROR_CONFIG_OUT:-$(mktemp "${TMPDIR:-/tmp}/tf-mirror-XXXXXX.tfrc")}}"
cat >"$out" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
CONFIG
echo "$out"
