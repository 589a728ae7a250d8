# azd postprovision hook (Windows): same as approve-private-link.sh.
# Approves the private endpoint connection Front Door requests on the Container Apps environment.
$ErrorActionPreference = 'Stop'

if ($env:AZURE_FRONT_DOOR_PRIVATE_LINK -ne 'true') {
    Write-Host 'Front Door Private Link is off; nothing to approve.'
    exit 0
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Error "The Azure CLI (az) is required. Install it, run 'az login', then 'azd hooks run postprovision'."
    exit 1
}
$envId = $env:AZURE_CONTAINER_APPS_ENVIRONMENT_ID
if (-not $envId) { Write-Error 'AZURE_CONTAINER_APPS_ENVIRONMENT_ID is not set; run azd provision first.'; exit 1 }
$api = '2025-07-01'
$arm = 'https://management.azure.com'
$body = '{"properties":{"privateLinkServiceConnectionState":{"status":"Approved","description":"Azure Front Door origin, approved by azd postprovision"}}}'
$bodyFile = New-TemporaryFile
Set-Content -Path $bodyFile -Value $body -NoNewline

# Front Door creates the connection asynchronously after the origin deploys: poll up to ~10 minutes.
for ($attempt = 0; $attempt -lt 40; $attempt++) {
    $connections = az rest --method get --url "$arm$envId/privateEndpointConnections?api-version=$api" | ConvertFrom-Json
    $pending = @($connections.value | Where-Object { $_.properties.privateLinkServiceConnectionState.status -eq 'Pending' })
    if ($pending.Count -gt 0) {
        foreach ($connection in $pending) {
            Write-Host "Approving $($connection.id)"
            az rest --method put --url "$arm$($connection.id)?api-version=$api" --body "@$bodyFile" --output none
        }
        exit 0
    }
    if (@($connections.value | Where-Object { $_.properties.privateLinkServiceConnectionState.status -eq 'Approved' }).Count -gt 0) {
        Write-Host 'Front Door private endpoint connection already approved.'
        exit 0
    }
    Start-Sleep -Seconds 15
}
Write-Error "No private endpoint connection from Front Door appeared on $envId."
exit 1
