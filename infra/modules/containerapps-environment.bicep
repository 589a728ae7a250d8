// Container Apps environment. azd deploys api, web, workers and aiinference into it from the
// AppHost manifest after provisioning, so the apps themselves are not declared here.

param name string
param location string
param tags object = {}

@description('Name of the Log Analytics workspace (same resource group) that receives app logs.')
param logAnalyticsWorkspaceName string

@description('false when Front Door reaches the environment over Private Link: then nothing bypasses Front Door and the WAF.')
param publicNetworkAccessEnabled bool = true

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspace.properties.customerId
        sharedKey: workspace.listKeys().primarySharedKey
      }
    }
    // A workload-profiles environment: required for private endpoints (Front Door Private Link).
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    publicNetworkAccess: publicNetworkAccessEnabled ? 'Enabled' : 'Disabled'
    zoneRedundant: false
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
