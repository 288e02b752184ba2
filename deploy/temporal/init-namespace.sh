#!/bin/sh
# Registers the namespace and the eKYC search attributes (EkycStage, EkoUserCode). Idempotent.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1; do
  echo 'waiting for Temporal'; sleep 3
done
temporal operator namespace describe -n "$ns" --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$ns" --retention 30d --address "${TEMPORAL_ADDRESS}"
for sa in EkycStage EkoUserCode; do
  temporal operator search-attribute create --namespace "$ns" --name "$sa" --type Keyword \
    --address "${TEMPORAL_ADDRESS}" 2>/dev/null || echo "search attribute $sa exists"
done
echo "namespace $ns ready"
