// Service Bus namespace for the Azure transport of the messaging module (REST over HTTPS).
// Local (SAS) auth is disabled: the apps use their managed identity and Entra tokens only.

@description('Namespace name: 6-50 characters, letters, digits and hyphens, starting with a letter.')
@minLength(6)
@maxLength(50)
param name string

param location string
param tags object = {}

@description('Queues to create. Standard tier supports duplicate detection, which the idempotent consumers rely on as a first filter.')
param queueNames array = []

@description('Principal id of the apps\' user-assigned identity.')
param appPrincipalId string

@description('Also grant Data Owner: the KEDA azure-servicebus scale rule reads entity metrics and reportedly needs it (community-sourced).')
param grantDataOwner bool = false

var dataSenderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
var dataReceiverRoleId = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var dataOwnerRoleId = '090c5cfd-751d-490a-894a-3ce6f1109419'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [for queueName in queueNames: {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
  }
}]

resource sender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, dataSenderRoleId)
  scope: namespace
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSenderRoleId)
  }
}

resource receiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, appPrincipalId, dataReceiverRoleId)
  scope: namespace
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiverRoleId)
  }
}

resource owner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDataOwner) {
  name: guid(namespace.id, appPrincipalId, dataOwnerRoleId)
  scope: namespace
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwnerRoleId)
  }
}

output id string = namespace.id
output name string = namespace.name
// https://{ns}.servicebus.windows.net:443/ - what Aspire passes as the connection string in Azure.
output endpoint string = namespace.properties.serviceBusEndpoint
