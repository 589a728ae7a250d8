// Log Analytics workspace: the sink for Container Apps console and system logs.

@description('Workspace name.')
param name string

param location string
param tags object = {}

@description('Days to keep logs; 30 is the free-retention tier for PerGB2018.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

output id string = workspace.id
output name string = workspace.name
output customerId string = workspace.properties.customerId
