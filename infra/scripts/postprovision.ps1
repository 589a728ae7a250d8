# azd postprovision hook (Windows): same as postprovision.sh.
$ErrorActionPreference = 'Stop'
& ./infra/scripts/register-aiinference-app.ps1
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
& ./infra/scripts/approve-private-link.ps1
exit $LASTEXITCODE
