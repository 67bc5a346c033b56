#!/usr/bin/env bash
# Checks deploy/aws with Terraform where it can: `terraform fmt -check` (no provider needed) and
# `terraform validate` (types, references and every resource's arguments against the AWS provider
# schema). Terraform is not a Debian package, so on a machine without it this test is skipped
# (exit 77); validation also needs the AWS provider, from a local mirror (TF_PLUGIN_DIR, default
# /opt/tf-plugins) or the registry. Nothing is planned or applied: no AWS account is involved.
set -euo pipefail
src="$(cd "$(dirname "$0")/../../deploy/aws" && pwd)"

if ! command -v terraform >/dev/null 2>&1; then
  echo "terraform: not installed; deploy/aws not checked (docs/deploy.md)"
  exit 77
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
rm -rf "$work/.terraform"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
if [ ! -f "${TF_CLI_CONFIG_FILE:-$HOME/.terraformrc}" ]; then export TF_CLI_CONFIG_FILE=/dev/null; fi
cd "$work"

terraform fmt -check -diff -recursive -no-color

init=(terraform init -backend=false -input=false -no-color)
plugins="${TF_PLUGIN_DIR:-/opt/tf-plugins}"
if [ -d "$plugins" ]; then init+=("-plugin-dir=$plugins"); fi
if ! "${init[@]}" >init.log 2>&1; then
  cat init.log
  echo "terraform: formatting checked; no AWS provider available, so validate was skipped"
  exit 77
fi
terraform validate -no-color
