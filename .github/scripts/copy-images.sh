#!/usr/bin/env bash
# Promote images without rebuilding: copy each digest in a digests file from the source
# workspace's ECR repositories to the target workspace's, and check the digest is unchanged.
#   copy-images.sh <digests.json> <source workspace> <target workspace>
# The digests file is the one .github/scripts/image-vars.py validated and rewrote.
set -euo pipefail
digests_file="$1" source_ws="$2" target_ws="$3"
[[ "$source_ws" =~ ^[a-z][a-z0-9]{1,15}$ && "$target_ws" =~ ^[a-z][a-z0-9]{1,15}$ ]] || { echo "bad workspace names" >&2; exit 1; }
: "${AWS_REGION:?}"
account="$(aws sts get-caller-identity --query Account --output text)"
registry="${account}.dkr.ecr.${AWS_REGION}.amazonaws.com"
aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$registry"
tag="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image_tag"])' "$digests_file")"
[[ "$tag" =~ ^[0-9a-f]{7,40}$ ]] || { echo "bad image tag: $tag" >&2; exit 1; }
python3 -c 'import json,sys; [print(k, v) for k, v in json.load(open(sys.argv[1]))["image_digests"].items()]' "$digests_file" |
while read -r image digest; do
    [[ "$image" =~ ^[a-z][a-z0-9-]*$ && "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "bad image or digest: $image $digest" >&2; exit 1; }
    src="$registry/orderflow-$source_ws-$image@$digest"
    dst="$registry/orderflow-$target_ws-$image:$tag"
    docker pull "$src"
    docker tag "$src" "$dst"
    pushed="$(docker push "$dst" | sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p')"
    [ "$pushed" = "$digest" ] || { echo "digest changed for $image: $digest -> $pushed" >&2; exit 1; }
    echo "$image $digest -> $dst"
done
