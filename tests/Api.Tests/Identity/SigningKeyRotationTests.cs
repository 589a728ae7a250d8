using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Platform.Identity.Tokens;

namespace Api.Tests.Identity;

[TestClass]
public sealed class SigningKeyRotationTests
{
    [TestMethod]
    public async Task After_a_key_rotation_old_tokens_still_work_and_new_ones_use_the_new_key()
    {
        await using var api = await ApiFactory.CreateAsync("key_rotation");
        var owner = await api.RegisterAndSignInAsync("rotation", "owner@rotation.test");
        var oldKeyId = new JsonWebToken(owner.Tokens.AccessToken).Kid;

        var newKeyId = await api.Services.GetRequiredService<SigningKeyStore>().RotateAsync();
        var fresh = await api.LoginAsync(owner.Email, owner.Password);

        Assert.AreNotEqual(oldKeyId, newKeyId);
        Assert.AreEqual(newKeyId, new JsonWebToken(fresh.AccessToken).Kid);
        Assert.AreEqual(HttpStatusCode.OK, (await owner.Client.GetAsync("/api/v1/account")).StatusCode, "nobody is logged out by a rotation");
        using var freshClient = api.Authorized(fresh.AccessToken);
        Assert.AreEqual(HttpStatusCode.OK, (await freshClient.GetAsync("/api/v1/account")).StatusCode);
    }
}
