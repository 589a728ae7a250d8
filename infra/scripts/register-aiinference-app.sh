#!/bin/sh
# azd postprovision hook: the Entra app registration that stands for AiInference. The Api asks its managed identity
# for a token for this registration (api://<app id>/.default); AiInference accepts tokens for it from the allowed
# caller only. The values go where azd looks for the manifest's parameters before it deploys the apps.
# Needs the Azure CLI signed in (`az login`) as someone who may register applications in the tenant.
# Idempotent: an existing registration of the same name is reused.
set -eu

if ! command -v az >/dev/null 2>&1; then
  echo "The Azure CLI (az) is required to register AiInference in Entra ID." >&2
  echo "Install it, run 'az login', then 'azd hooks run postprovision'." >&2
  exit 1
fi

tenant="${AZURE_TENANT_ID:?run azd provision first}"
caller="${MANAGED_IDENTITY_PRINCIPAL_ID:?run azd provision first}"
name="bizops-aiinference-${AZURE_ENV_NAME:?run azd env new first}"

app_id=$(az ad app list --display-name "$name" --query "[0].appId" -o tsv)
if [ -z "$app_id" ]; then
  echo "Registering ${name} in Entra ID"
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg --query appId -o tsv)
fi

# api://<app id> is an identifier URI every tenant allows; the service principal lets Entra issue tokens for it here.
az ad app update --id "$app_id" --identifier-uris "api://${app_id}" --output none
if ! az ad sp show --id "$app_id" --output none 2>/dev/null; then
  az ad sp create --id "$app_id" --output none
fi

# azd names the manifest's parameters with underscores for hyphens (aiinference-audience → aiinference_audience).
azd env config set infra.parameters.aiinference_audience "api://${app_id}"
azd env config set infra.parameters.entra_tenant_id "$tenant"
azd env config set infra.parameters.aiinference_allowed_caller "$caller"
azd env set AIINFERENCE_APP_ID "$app_id"
echo "AiInference accepts tokens for api://${app_id} from the managed identity ${caller} (tenant ${tenant})."
