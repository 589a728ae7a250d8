using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Api.Extensions;

/// <summary>
/// Completes the OpenAPI document: both security schemes (bearer tokens and API keys), on each
/// protected operation its scheme and the permission it needs (<c>x-permission</c>), and the
/// problem responses every operation can give.
/// </summary>
internal static class OpenApiConventions
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";

    public static void AddPlatformOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Business Platform API";
            document.Info.Description = "Multi-tenant business operations. Authenticate with a bearer access token (POST /api/v1/auth/login) or an API key (X-Api-Key). Errors are RFC 7807 problem documents with a machine-readable `code`.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token from /api/v1/auth/login or /api/v1/auth/refresh.",
            };
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An organization API key (also accepted as `Authorization: ApiKey <key>`); it holds only the permissions it was granted.",
            };
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var permission = metadata.OfType<PermissionRequirementMetadata>().LastOrDefault();
            var selfService = metadata.OfType<SelfService>().Any();
            operation.Responses ??= new OpenApiResponses();
            AddProblem(operation, "400", "The request is not valid (field errors under `errors`).");
            AddProblem(operation, "429", "Too many requests; see the Retry-After and RateLimit-* headers.");
            AddProblem(operation, "500", "An unexpected error; the traceId identifies it in the logs.");
            if (permission is null && !selfService)
            {
                return Task.CompletedTask;
            }

            var document = context.Document;
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
            if (permission is not null)
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] });
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-permission"] = new JsonNodeExtension(JsonValue.Create(permission.Name));
            }

            AddProblem(operation, "401", "Not signed in, or the token or key is not valid.");
            AddProblem(operation, "403", permission is null ? "Not allowed." : $"Missing the permission '{permission.Name}'.");
            return Task.CompletedTask;
        });
    });

    private static void AddProblem(OpenApiOperation operation, string status, string description)
    {
        if (operation.Responses!.ContainsKey(status))
        {
            return;
        }

        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String },
                            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        },
                    },
                },
            },
        };
    }
}
