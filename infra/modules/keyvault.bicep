// Key Vault holding the connection strings the apps read (Aspire names, `--` for `:`),
// e.g. `ConnectionStrings--platformdb` -> configuration key `ConnectionStrings:platformdb`.
// RBAC authorization only (no access policies), purge protection on.

@description('Vault name: 3-24 characters, letters, digits and hyphens, starting with a letter.')
@minLength(3)
@maxLength(24)
param name string

param location string
param tags object = {}

@description('Principal id of the apps\' user-assigned identity; it gets Key Vault Secrets User (read only).')
param appPrincipalId string

@description('Operator running azd (AZURE_PRINCIPAL_ID); gets Secrets Officer so azd can read back the generated PostgreSQL password. Empty = skip.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Soft-delete retention. With purge protection the name stays reserved this long after deletion.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 30

var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Set explicitly: before API 2026-02-01 the default is access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Cannot be turned off again once on; protects secrets from a malicious or accidental purge.
    enablePurgeProtection: true
    // The Container Apps environment has no VNet, so the vault stays reachable publicly;
    // every data-plane call still needs an Entra token and an RBAC role.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, secretsUserRoleId)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
  }
}

resource operatorSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, secretsOfficerRoleId)
  scope: vault
  properties: {
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficerRoleId)
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
