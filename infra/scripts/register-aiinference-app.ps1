# azd postprovision hook (Windows): same as register-aiinference-app.sh.
# Registers AiInference in Entra ID (api://<app id>) and gives azd the audience, tenant and allowed caller.
$ErrorActionPreference = 'Stop'

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Error "The Azure CLI (az) is required. Install it, run 'az login', then 'azd hooks run postprovision'."
    exit 1
}
$tenant = $env:AZURE_TENANT_ID
$caller = $env:MANAGED_IDENTITY_PRINCIPAL_ID
if (-not $tenant -or -not $caller) { Write-Error 'AZURE_TENANT_ID or MANAGED_IDENTITY_PRINCIPAL_ID is not set; run azd provision first.'; exit 1 }
$name = "bizops-aiinference-$($env:AZURE_ENV_NAME)"

$appId = az ad app list --display-name $name --query "[0].appId" -o tsv
if (-not $appId) {
    Write-Host "Registering $name in Entra ID"
    $appId = az ad app create --display-name $name --sign-in-audience AzureADMyOrg --query appId -o tsv
}
if ($LASTEXITCODE -ne 0 -or -not $appId) { Write-Error "Could not register $name in Entra ID."; exit 1 }

# api://<app id> is an identifier URI every tenant allows; the service principal lets Entra issue tokens for it here.
az ad app update --id $appId --identifier-uris "api://$appId" --output none
az ad sp show --id $appId --output none 2>$null
if ($LASTEXITCODE -ne 0) { az ad sp create --id $appId --output none }

# azd names the manifest's parameters with underscores for hyphens (aiinference-audience -> aiinference_audience).
azd env config set infra.parameters.aiinference_audience "api://$appId"
azd env config set infra.parameters.entra_tenant_id $tenant
azd env config set infra.parameters.aiinference_allowed_caller $caller
azd env set AIINFERENCE_APP_ID $appId
Write-Host "AiInference accepts tokens for api://$appId from the managed identity $caller (tenant $tenant)."
