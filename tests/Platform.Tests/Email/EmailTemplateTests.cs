using Platform.Email;

namespace Platform.Tests.Email;

/// <summary>The platform's templates: every one renders in every culture, strictly, escaped in HTML only.</summary>
[TestClass]
public sealed class EmailTemplateTests
{
    private static readonly EmailRenderer Renderer = new(EmailTemplateCatalogue.Default);
    private static readonly EmailBrand Brand = new("Acme Trading", null, "#0f766e");

    [TestMethod]
    public void The_catalogue_has_at_least_25_templates_each_declaring_its_variables_and_a_sample_for_each()
    {
        var all = EmailTemplateCatalogue.Default.All;

        Assert.IsGreaterThanOrEqualTo(25, all.Count);
        foreach (var key in new[]
        {
            "welcome", "email_verification", "password_reset", "invitation", "new_sign_in", "mfa_enabled", "mfa_disabled", "account_locked", "trial_started",
            "trial_ending", "subscription_renewed", "invoice_generated", "payment_failed", "usage_80", "usage_100", "security_alert", "workflow_failed",
            "webhook_endpoint_disabled", "data_export_ready", "role_changed", "api_key_created", "api_key_expiring", "password_changed", "email_changed",
            "member_removed", "notification",
        })
        {
            var definition = EmailTemplateCatalogue.Default.Find(key);
            Assert.IsNotNull(definition, key);
            Assert.IsNotEmpty(definition.Variables, key);
            Assert.IsFalse(string.IsNullOrWhiteSpace(definition.Description), key);
            foreach (var variable in definition.Variables.Concat(definition.OptionalVariables))
            {
                Assert.IsTrue(definition.SampleModel.ContainsKey(variable), $"{key}: the sample has {variable}");
            }
        }
    }

    [TestMethod]
    public void Every_template_renders_in_every_culture_with_its_sample_model_and_both_parts_filled()
    {
        var failures = new List<string>();
        foreach (var definition in EmailTemplateCatalogue.Default.All)
        {
            foreach (var culture in EmailTemplateCatalogue.Cultures)
            {
                try
                {
                    var email = Renderer.Render(definition, EmailTemplateCatalogue.Default.Content(definition.Key, culture), culture, Brand, definition.SampleModel);
                    if (string.IsNullOrWhiteSpace(email.Subject) || email.Subject.Contains('\n'))
                    {
                        failures.Add($"{definition.Key}/{culture}: subject '{email.Subject}'");
                    }

                    foreach (var (part, text) in new[] { ("html", email.Html), ("text", email.Text) })
                    {
                        if (text.Contains("{{", StringComparison.Ordinal) || !text.Contains("Acme Trading", StringComparison.Ordinal) || text.Length < 80)
                        {
                            failures.Add($"{definition.Key}/{culture}: {part} part is empty, unbranded or unrendered");
                        }
                    }

                    var root = $"<html lang=\"{culture}\" dir=\"{(culture == "ar" ? "rtl" : "ltr")}\">";
                    if (!email.Html.Contains(root, StringComparison.Ordinal))
                    {
                        failures.Add($"{definition.Key}/{culture}: no {root}");
                    }
                }
                catch (EmailTemplateException error)
                {
                    failures.Add($"{definition.Key}/{culture}: {error.Message}");
                }
            }
        }

        Assert.IsEmpty(failures, string.Join('\n', failures));
    }

    [TestMethod]
    public void Arabic_emails_are_right_to_left_and_in_arabic()
    {
        var definition = EmailTemplateCatalogue.Default.Find("password_reset")!;

        var email = Renderer.Render(definition, EmailTemplateCatalogue.Default.Content("password_reset", "ar"), "ar", Brand, definition.SampleModel);

        StringAssert.Contains(email.Html, "dir=\"rtl\"");
        StringAssert.Contains(email.Html, "lang=\"ar\"");
        StringAssert.Contains(email.Subject, "كلمة المرور");
        StringAssert.Contains(email.Text, "CfDJ8Nq3ExamplePasswordResetToken");
    }

    [TestMethod]
    public void Every_default_template_uses_only_its_declared_variables()
    {
        var failures = new List<string>();
        foreach (var definition in EmailTemplateCatalogue.Default.All)
        {
            foreach (var culture in EmailTemplateCatalogue.Cultures)
            {
                var content = EmailTemplateCatalogue.Default.Content(definition.Key, culture);
                foreach (var (part, problems) in Renderer.Validate(definition, content.Subject, content.Html, content.Text))
                {
                    failures.Add($"{definition.Key}/{culture}/{part}: {string.Join("; ", problems)}");
                }
            }
        }

        Assert.IsEmpty(failures, string.Join('\n', failures));
    }

    [TestMethod]
    public void A_missing_required_variable_is_an_error_that_names_it_never_an_empty_string()
    {
        var definition = EmailTemplateCatalogue.Default.Find("invitation")!;
        var model = new Dictionary<string, object?>(definition.SampleModel);
        model.Remove("code");
        model["roleName"] = null;

        var error = Assert.ThrowsExactly<EmailTemplateException>(() =>
            Renderer.Render(definition, EmailTemplateCatalogue.Default.Content("invitation", "en"), "en", Brand, model));

        CollectionAssert.AreEquivalent(new[] { "roleName", "code" }, error.MissingVariables.ToArray());
        StringAssert.Contains(error.Message, "invitation");
        StringAssert.Contains(error.Message, "code");
    }

    [TestMethod]
    public void A_template_that_uses_a_variable_the_model_lacks_fails_in_strict_mode()
    {
        var definition = EmailTemplateCatalogue.Default.Find("welcome")!;
        var content = new EmailTemplateContent("Hi {{nickname}}", "<p>x</p>", "x");

        var error = Assert.ThrowsExactly<EmailTemplateException>(() => Renderer.Render(definition, content, "en", Brand, definition.SampleModel));

        StringAssert.Contains(error.Message, "nickname");
    }

    [TestMethod]
    public void Html_escapes_user_provided_values_and_the_text_part_keeps_them_as_typed()
    {
        var definition = EmailTemplateCatalogue.Default.Find("member_joined")!;
        var hostile = new EmailBrand("<script>alert('org')</script>", "javascript:alert(1)", "red;background:url(x)");
        var model = new Dictionary<string, object?>(definition.SampleModel) { ["memberName"] = "<img src=x onerror=alert(1)>" };

        var email = Renderer.Render(definition, EmailTemplateCatalogue.Default.Content("member_joined", "en"), "en", hostile, model);

        Assert.DoesNotContain("<script>", email.Html);
        Assert.DoesNotContain("<img src=x", email.Html);
        Assert.DoesNotContain("javascript:", email.Html, "an unsafe logo URL is dropped");
        Assert.DoesNotContain("url(x)", email.Html, "an unsafe colour falls back to the platform's");
        StringAssert.Contains(email.Html, "&lt;script&gt;alert(&#x27;org&#x27;)&lt;/script&gt;");
        StringAssert.Contains(email.Html, "&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;");
        StringAssert.Contains(email.Text, "<img src=x onerror=alert(1)> (amal@example.com)");
        StringAssert.Contains(email.Text, "<script>alert('org')</script>");
        StringAssert.Contains(email.Subject, "<img src=x onerror=alert(1)> joined <script>", "the subject is a header, not HTML");
    }

    [TestMethod]
    public void An_organization_version_is_checked_for_syntax_unknown_variables_raw_output_and_helpers()
    {
        var definition = EmailTemplateCatalogue.Default.Find("password_reset")!;

        Assert.IsEmpty(Renderer.Validate(definition, "Reset for {{userName}} at {{brand.name}}", "<p>{{#if code}}{{code}}{{/if}}</p>", "Code: {{code}}"));
        var errors = Renderer.Validate(definition, "Hi {{user.name}}", "<p>{{{code}}}</p>", "{{#if code}}unclosed");

        StringAssert.Contains(errors["subject"].Single(), "user.name");
        StringAssert.Contains(errors["html"].Single(), "Raw output");
        StringAssert.Contains(errors["text"].Single(), "does not render");
        StringAssert.Contains(Renderer.Validate(definition, null, "{{brand.secret}}", null)["html"].Single(), "brand.secret");
        StringAssert.Contains(Renderer.Validate(definition, null, null, "{{lookup code 'x'}}")["text"].Single(), "helper");
    }

    [TestMethod]
    public void Cultures_are_matched_from_variants_and_accept_language()
    {
        Assert.AreEqual("fr", EmailTemplateCatalogue.Match("fr-CA"));
        Assert.AreEqual("ar", EmailTemplateCatalogue.Match("AR_eg"));
        Assert.IsNull(EmailTemplateCatalogue.Match("de"));
        Assert.AreEqual("ar", EmailCulture.FromAcceptLanguage("de-DE, ar-SA;q=0.8, fr;q=0.5"));
        Assert.AreEqual("fr", EmailCulture.FromAcceptLanguage("en;q=0.4, fr-FR"));
        Assert.IsNull(EmailCulture.FromAcceptLanguage("de, ja;q=0.9"));
    }
}
