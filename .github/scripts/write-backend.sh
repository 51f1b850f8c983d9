#!/usr/bin/env bash
# Write terraform/backend.hcl for CI from repository variables (see README: Deploying from CI).
# The key and the KMS alias are the ones terraform/bootstrap scopes the deploy roles to.
set -euo pipefail
: "${STATE_BUCKET:?set the repository variable TF_STATE_BUCKET}"
: "${STATE_REGION:?set the repository variable AWS_REGION}"
cat > terraform/backend.hcl <<HCL
bucket       = "${STATE_BUCKET}"
key          = "orderflow/terraform.tfstate"
region       = "${STATE_REGION}"
encrypt      = true
kms_key_id   = "alias/orderflow-terraform-state"
use_lockfile = true
HCL
