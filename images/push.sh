#!/usr/bin/env bash
# Push every service image ($IMAGE_TAG from `make build`) to ECR and record the digests.
#
# Where to: ECR_REPOSITORY_URLS (a JSON map image -> repository URL), else
# `terraform -chdir=terraform output -json ecr_repository_urls`, else
# ECR_REGISTRY (or AWS_ACCOUNT_ID + AWS_REGION) / ECR_REPOSITORY_PREFIX<image>, where the prefix
# defaults to orderflow-<terraform workspace>- as Terraform names the repositories.
#
# Writes $DIGESTS_FILE (.local/image-digests.json), a Terraform var file:
#   {"image_tag": "<tag>", "image_digests": {"order": "sha256:...", ...}}
#   terraform -chdir=terraform apply -var-file=../.local/image-digests.json
set -euo pipefail
# shellcheck source=images/common.sh
. "$(dirname "$0")/common.sh"
cd "$ROOT"
DIGESTS_FILE="${DIGESTS_FILE:-$ROOT/.local/image-digests.json}"
AWS_REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
need_daemon
command -v aws >/dev/null 2>&1 || die "the aws CLI is needed to log in to ECR (pip install awscli)"

for service in $SERVICES; do
    "$DOCKER" image inspect "$IMAGE_PREFIX/$service:$IMAGE_TAG" >/dev/null 2>&1 ||
        die "no local image $IMAGE_PREFIX/$service:$IMAGE_TAG: run \`make build\` first (same tree, same tag)"
done

declare -A url
urls_json="${ECR_REPOSITORY_URLS:-}"
source_of_urls="ECR_REPOSITORY_URLS"
if [ -z "$urls_json" ] && command -v terraform >/dev/null 2>&1; then
    if urls_json="$(terraform -chdir=terraform output -json ecr_repository_urls 2>/dev/null)"; then
        source_of_urls="terraform output ecr_repository_urls"
    else
        urls_json=""
    fi
fi
if [ -n "$urls_json" ]; then
    while read -r image repo_url; do
        url[$image]="$repo_url"
    done < <(python3 -c 'import json, sys; [print(k, v) for k, v in json.loads(sys.argv[1]).items()]' "$urls_json")
else
    registry="${ECR_REGISTRY:-}"
    if [ -z "$registry" ]; then
        [ -n "$AWS_REGION" ] || die "set AWS_REGION (or ECR_REGISTRY, or apply terraform/ so it outputs ecr_repository_urls)"
        account="${AWS_ACCOUNT_ID:-$(aws sts get-caller-identity --query Account --output text)}" ||
            die "set AWS_ACCOUNT_ID or ECR_REGISTRY (aws sts get-caller-identity failed)"
        registry="$account.dkr.ecr.$AWS_REGION.amazonaws.com"
    fi
    workspace="${TF_WORKSPACE:-$(terraform -chdir=terraform workspace show 2>/dev/null || echo default)}"
    prefix="${ECR_REPOSITORY_PREFIX:-orderflow-$workspace-}"
    for service in $SERVICES; do url[$service]="$registry/$prefix$service"; done
    source_of_urls="registry $registry, repositories $prefix<image>"
fi
echo "pushing tag $IMAGE_TAG to ECR ($source_of_urls)"

region_of() { sed -nE 's#^[0-9]+\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com.*#\2#p' <<<"$1"; }
declare -A logged_in
declare -A digest
for service in $SERVICES; do
    target="${url[$service]:-}"
    [ -n "$target" ] || die "no repository URL for image $service ($source_of_urls)"
    registry="${target%%/*}"
    repository="${target#*/}"
    region="$(region_of "$registry")"
    region="${region:-$AWS_REGION}"
    if [ -z "${logged_in[$registry]:-}" ]; then
        echo "== docker login $registry"
        aws ecr get-login-password --region "$region" |
            "$DOCKER" login --username AWS --password-stdin "$registry" >/dev/null
        logged_in[$registry]=1
    fi
    # Tags are immutable in our repositories: a tag already there is that content, keep it.
    existing="$(aws ecr describe-images --region "$region" --repository-name "$repository" \
        --image-ids "imageTag=$IMAGE_TAG" --query 'imageDetails[0].imageDigest' --output text 2>/dev/null || true)"
    if [[ "$existing" == sha256:* ]]; then
        echo "== $target:$IMAGE_TAG already in ECR ($existing), not pushed again"
        digest[$service]="$existing"
        continue
    fi
    echo "== push $target:$IMAGE_TAG"
    "$DOCKER" tag "$IMAGE_PREFIX/$service:$IMAGE_TAG" "$target:$IMAGE_TAG"
    "$DOCKER" push "$target:$IMAGE_TAG"
    digest[$service]="$("$DOCKER" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' \
        "$target:$IMAGE_TAG" | sed -n "s#^$target@##p" | head -n 1)"
    [ -n "${digest[$service]}" ] || die "pushed $target:$IMAGE_TAG but found no digest for it"
done

mkdir -p "$(dirname "$DIGESTS_FILE")"
{
    for service in $SERVICES; do echo "$service ${digest[$service]} ${url[$service]}"; done
} | python3 -c '
import json, sys
tag, out = sys.argv[1], sys.argv[2]
rows = [line.split() for line in sys.stdin if line.strip()]
json.dump({"image_tag": tag, "image_digests": {s: d for s, d, _ in rows}}, open(out, "w"), indent=2)
for s, d, u in rows:
    print(f"  {s:10} {u}@{d}")
' "$IMAGE_TAG" "$DIGESTS_FILE"
echo "wrote ${DIGESTS_FILE#"$ROOT"/}: terraform -chdir=terraform apply -var-file=../${DIGESTS_FILE#"$ROOT"/}"
