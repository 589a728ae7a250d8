using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Messaging;

namespace Platform.Tests.Messaging;

[TestClass]
public sealed class MessagingOptionsTests
{
    [TestMethod]
    [DataRow("0")]
    [DataRow("65")]
    public async Task A_shared_transaction_batch_outside_what_PostgreSQL_caches_fails_start_up_with_a_clear_message(string size)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Messaging:SharedTransactionBatchSize"] = size });
        builder.AddMessaging();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        StringAssert.Contains(error.Message, "Messaging:SharedTransactionBatchSize must be between 1 and 64");
    }
}
