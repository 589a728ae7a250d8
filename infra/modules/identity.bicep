// One user-assigned identity shared by api, web, workers and aiinference.
// User-assigned (not system-assigned) so roles can be granted before the apps exist:
// azd creates the apps after provisioning, from the AppHost manifest.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
