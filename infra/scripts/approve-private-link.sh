#!/bin/sh
# azd postprovision hook: approve the private endpoint connection that Front Door requests on the
# Container Apps environment (Private Link origin). Until it is approved Front Door cannot reach
# the web app, and with public access disabled nothing else can either.
# Needs the Azure CLI signed in (`az login`) with rights on the resource group.
set -eu

if [ "${AZURE_FRONT_DOOR_PRIVATE_LINK:-false}" != "true" ]; then
  echo "Front Door Private Link is off; nothing to approve."
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  echo "The Azure CLI (az) is required to approve the Front Door private endpoint connection." >&2
  echo "Install it, run 'az login', then 'azd hooks run postprovision'." >&2
  exit 1
fi

env_id="${AZURE_CONTAINER_APPS_ENVIRONMENT_ID:?run azd provision first}"
api="2025-07-01"
arm="https://management.azure.com"

# Front Door creates the connection asynchronously after the origin deploys: poll up to ~10 minutes.
attempt=0
while [ "$attempt" -lt 40 ]; do
  attempt=$((attempt + 1))
  pending=$(az rest --method get \
    --url "${arm}${env_id}/privateEndpointConnections?api-version=${api}" \
    --query "value[?properties.privateLinkServiceConnectionState.status=='Pending'].id" -o tsv)
  if [ -n "$pending" ]; then
    for id in $pending; do
      echo "Approving ${id}"
      az rest --method put --url "${arm}${id}?api-version=${api}" \
        --body '{"properties":{"privateLinkServiceConnectionState":{"status":"Approved","description":"Azure Front Door origin, approved by azd postprovision"}}}' \
        --output none
    done
    exit 0
  fi
  approved=$(az rest --method get \
    --url "${arm}${env_id}/privateEndpointConnections?api-version=${api}" \
    --query "length(value[?properties.privateLinkServiceConnectionState.status=='Approved'])" -o tsv)
  if [ "${approved:-0}" -gt 0 ]; then
    echo "Front Door private endpoint connection already approved."
    exit 0
  fi
  sleep 15
done

echo "No private endpoint connection from Front Door appeared on ${env_id}." >&2
exit 1
