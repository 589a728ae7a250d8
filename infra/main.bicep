// Azure infrastructure for the platform, provisioned by `azd up` / `azd provision`.
// Subscription scope (azd convention): one resource group `rg-<env>`, everything else in modules.
// The container apps (api, web, workers, aiinference) are NOT declared here: azd deploys them
// from the AppHost manifest into the environment below, using the outputs at the end.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Region for all regional resources.')
param location string

@description('Object id of the operator running azd (AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer. Empty = skip.')
param principalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
@description('Kind of principalId: User for a person, ServicePrincipal for a CI pipeline.')
param principalType string = 'User'

@secure()
@description('PostgreSQL administrator password. main.parameters.json has azd generate it once and read it back from Key Vault.')
param postgresAdminPassword string

@description('PostgreSQL administrator login (password auth).')
param postgresAdminLogin string = 'pgadmin'

@description('UPN (or app name) of principalId, to make the operator a PostgreSQL Entra administrator for migrations. Empty = skip.')
param postgresOperatorPrincipalName string = ''

@description('AppHost resource name of the Blazor app; Front Door\'s origin is its container app.')
param webAppName string = 'web'

@description('Front Door reaches the web app over Private Link and the environment refuses public traffic. false = public origin + X-Azure-FDID check in the app.')
param frontDoorPrivateLink bool = true

@description('Service Bus queues to create (the messaging module\'s Azure transport).')
param serviceBusQueueNames array = []

@description('Grant the apps Service Bus Data Owner too (needed by KEDA azure-servicebus scale rules, per community reports).')
param serviceBusGrantDataOwner bool = false

var tags = {
  'azd-env-name': environmentName
}

// 13 lowercase alphanumerics: short enough for every name limit below (Key Vault: 24).
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: tags
    pullPrincipalId: identity.outputs.principalId
  }
}

module containerAppsEnvironment 'modules/containerapps-environment.bicep' = {
  name: 'containerapps-environment'
  scope: rg
  params: {
    name: 'cae-${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceName: monitoring.outputs.name
    publicNetworkAccessEnabled: !frontDoorPrivateLink
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: rg
  params: {
    name: 'psql-${resourceToken}'
    location: location
    tags: tags
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    databaseName: 'platformdb'
    appIdentityName: identity.outputs.name
    appIdentityPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalName: postgresOperatorPrincipalName
    operatorPrincipalType: principalType
    keyVaultName: keyVault.outputs.name
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: 'redis-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    keyVaultName: keyVault.outputs.name
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    queueNames: serviceBusQueueNames
    appPrincipalId: identity.outputs.principalId
    grantDataOwner: serviceBusGrantDataOwner
  }
}

module frontDoor 'modules/frontdoor.bicep' = {
  name: 'frontdoor'
  scope: rg
  params: {
    profileName: 'afd-${resourceToken}'
    endpointName: 'fde-${resourceToken}'
    wafPolicyName: 'waf${resourceToken}'
    tags: tags
    originLocation: location
    containerAppsEnvironmentId: containerAppsEnvironment.outputs.id
    containerAppsDefaultDomain: containerAppsEnvironment.outputs.defaultDomain
    webAppName: webAppName
    usePrivateLink: frontDoorPrivateLink
  }
}

// ---- Outputs: azd writes them to .azure/<env>/.env; its AppHost deployment reads the first group.

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name

output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output MANAGED_IDENTITY_NAME string = identity.outputs.name
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId

output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.name
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.id

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
// The identity the container apps pull images with (same UAMI, it holds AcrPull).
output AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID string = identity.outputs.id

output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = containerAppsEnvironment.outputs.id
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = containerAppsEnvironment.outputs.name
output AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN string = containerAppsEnvironment.outputs.defaultDomain

output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri

// ---- Connection-related outputs (no secrets: those stay in Key Vault).

output AZURE_POSTGRES_HOST string = postgres.outputs.host
output AZURE_POSTGRES_DATABASE string = postgres.outputs.databaseName
output AZURE_POSTGRES_CONNECTION_SECRET_NAME string = postgres.outputs.connectionStringSecretName

output AZURE_REDIS_HOST string = redis.outputs.host
output AZURE_REDIS_PORT int = redis.outputs.port
output AZURE_REDIS_CONNECTION_SECRET_NAME string = redis.outputs.connectionStringSecretName

output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output AZURE_SERVICE_BUS_ENDPOINT string = serviceBus.outputs.endpoint

output AZURE_FRONT_DOOR_ENDPOINT_HOSTNAME string = frontDoor.outputs.endpointHostName
output AZURE_FRONT_DOOR_ENDPOINT_URL string = 'https://${frontDoor.outputs.endpointHostName}'
output AZURE_FRONT_DOOR_ID string = frontDoor.outputs.frontDoorId
output AZURE_FRONT_DOOR_PRIVATE_LINK bool = frontDoorPrivateLink
