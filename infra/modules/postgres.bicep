// PostgreSQL Flexible Server with database `platformdb`.
// Two ways in: Entra ID (the apps' managed identity is an Entra administrator, token as password)
// and password auth for the admin login, whose password comes from a secure parameter and is
// kept in Key Vault together with the Aspire-style connection string.

param name string
param location string
param tags object = {}

@allowed(['14', '15', '16'])
param version string = '16'

@description('Burstable is enough for a trial environment; use GeneralPurpose (e.g. Standard_D2ds_v5) for production and PgBouncer.')
param skuName string = 'Standard_B2s'

@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param skuTier string = 'Burstable'

param storageSizeGB int = 32

@description('Administrator login for password authentication.')
param administratorLogin string

@secure()
@description('Administrator password. Supplied by azd (generated once, then read back from Key Vault).')
param administratorPassword string

param databaseName string = 'platformdb'

@description('Entra administrator: the apps\' user-assigned identity.')
param appIdentityName string
param appIdentityPrincipalId string

@description('Optional second Entra administrator (the operator, for migrations from a workstation). Both values or neither.')
param operatorPrincipalId string = ''
param operatorPrincipalName string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Allow connections from Azure services. Needed because the Container Apps environment has no VNet (its egress IPs are not fixed).')
param allowAzureServices bool = true

@description('Key Vault (same resource group) that receives the password and connection string.')
param keyVaultName string

var extensions = 'PG_TRGM,PGCRYPTO'
var addOperatorAdmin = !empty(operatorPrincipalId) && !empty(operatorPrincipalName)

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Enabled'
      tenantId: tenant().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// Children are chained with dependsOn: parallel writes to one server conflict.

// Allow-list the extensions the migrations create (CREATE EXTENSION fails otherwise).
resource allowedExtensions 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'azure.extensions'
  properties: {
    value: extensions
    source: 'user-override'
  }
}

// The message queue tables churn thousands of rows a second: autovacuum must look at them every
// second, not every minute, or claims walk a minute's worth of dead rows (docs/architecture.md).
resource autovacuumNaptime 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'autovacuum_naptime'
  properties: {
    value: '1'
    source: 'user-override'
  }
  dependsOn: [
    allowedExtensions
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    autovacuumNaptime
  ]
}

// 0.0.0.0-0.0.0.0 is the documented "allow Azure services" rule; TLS and auth still apply.
resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (allowAzureServices) {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    database
  ]
}

// The administrator's name must be the principal's object id.
resource appAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: appIdentityPrincipalId
  properties: {
    principalName: appIdentityName
    principalType: 'ServicePrincipal'
    tenantId: tenant().tenantId
  }
  dependsOn: [
    azureServices
  ]
}

resource operatorAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = if (addOperatorAdmin) {
  parent: server
  name: addOperatorAdmin ? operatorPrincipalId : 'unused'
  properties: {
    principalName: operatorPrincipalName
    principalType: operatorPrincipalType
    tenantId: tenant().tenantId
  }
  dependsOn: [
    appAdmin
  ]
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// Name matches the secretOrRandomPassword lookup in main.parameters.json, so re-provisioning
// reuses this password instead of generating a new one.
resource passwordSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'postgres-admin-password'
  properties: {
    value: administratorPassword
    contentType: 'text/plain'
  }
}

// Npgsql format, as Aspire passes it in ConnectionStrings__platformdb.
// VerifyFull: the server certificate chains to public roots present in the .NET container images.
resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'ConnectionStrings--${databaseName}'
  properties: {
    value: 'Host=${server.properties.fullyQualifiedDomainName};Port=5432;Database=${databaseName};Username=${administratorLogin};Password=${administratorPassword};SSL Mode=VerifyFull'
    contentType: 'text/plain'
  }
}

output id string = server.id
output name string = server.name
output host string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output connectionStringSecretName string = connectionStringSecret.name
