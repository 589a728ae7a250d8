#!/bin/sh
# azd postprovision hook: register AiInference in Entra ID (before azd deploys the apps that need its values), then
# approve Front Door's Private Link connection.
set -eu
sh ./infra/scripts/register-aiinference-app.sh
sh ./infra/scripts/approve-private-link.sh
