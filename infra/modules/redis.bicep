// Azure Managed Redis (Microsoft.Cache/redisEnterprise), the successor of Azure Cache for Redis
// (whose Basic/Standard/Premium tiers are being retired). TLS only, port 10000.
//
// Clustering policy NoCluster: the platform's own RESP client is not cluster-aware and uses
// multi-key scripts (EVALSHA), so it needs the single-shard semantics it has locally.
//
// Auth: the apps' identity gets the 'default' access policy (Entra tokens), and, while the
// in-house client only does password AUTH, access keys stay enabled and the Aspire-style
// connection string with the key goes to Key Vault. Set accessKeysEnabled=false once the
// client authenticates with Entra tokens.

@description('Cluster name: 1-60 characters, letters, digits and single hyphens.')
param name string

param location string
param tags object = {}

@description('Balanced_B0/B1 for trials; larger Balanced_* or MemoryOptimized_* for production.')
param skuName string = 'Balanced_B1'

param accessKeysEnabled bool = true

@description('Object id of the apps\' user-assigned identity (Entra data access).')
param appPrincipalId string

@description('Key Vault (same resource group) that receives the connection string.')
param keyVaultName string

var port = 10000

resource cluster 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: 'Enabled'
    // Required in this API version. No VNet on the apps' side, so access is public + TLS + auth.
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: cluster
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: port
    clusteringPolicy: 'NoCluster'
    evictionPolicy: 'VolatileLRU'
    accessKeysAuthentication: accessKeysEnabled ? 'Enabled' : 'Disabled'
  }
}

// Entra: AUTH with username = this object id and password = a token for https://redis.azure.com/.default.
resource appAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = {
  parent: database
  name: 'appidentity'
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: appPrincipalId
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

var endpoint = '${cluster.properties.hostName}:${port}'

// Aspire format `host:port,password=...,ssl=true`. The if() branch keeps listKeys from being
// called when keys are disabled; the secret then carries no password (Entra auth).
resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'ConnectionStrings--redis'
  properties: {
    value: accessKeysEnabled ? '${endpoint},password=${database.listKeys().primaryKey},ssl=true' : '${endpoint},ssl=true'
    contentType: 'text/plain'
  }
}

output id string = cluster.id
output name string = cluster.name
output host string = cluster.properties.hostName
output port int = port
output connectionStringSecretName string = connectionStringSecret.name
