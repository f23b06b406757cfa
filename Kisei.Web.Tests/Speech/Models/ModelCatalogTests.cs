using System.Text.RegularExpressions;
using Kisei.Web.Speech.Models;

namespace Kisei.Web.Tests.Speech.Models;

public sealed class ModelCatalogTests
{
    [Fact]
    public void Every_entry_has_a_well_formed_sha256_and_a_positive_size()
    {
        Assert.All(ModelCatalog.All, model =>
        {
            Assert.Matches(new Regex("^[0-9a-f]{64}$"), model.Sha256);
            Assert.True(model.SizeBytes > 0, $"{model.Name} has no size");
        });
    }

    [Fact]
    public void Every_entry_is_named_as_whisper_cpp_names_its_files_and_appears_once()
    {
        Assert.All(ModelCatalog.All, model => Assert.Equal($"ggml-{model.Name}.bin", model.FileName));
        Assert.Equal(ModelCatalog.All.Count, ModelCatalog.All.Select(model => model.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(ModelCatalog.All.Count, ModelCatalog.All.Select(model => model.Sha256).Distinct().Count());
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("base")]
    [InlineData("small")]
    [InlineData("tiny.en")]
    [InlineData("base.en")]
    [InlineData("small.en")]
    public void A_family_comes_in_f16_q5_1_and_q8_0(string family)
    {
        foreach (var suffix in new[] { "", "-q5_1", "-q8_0" })
            Assert.True(ModelCatalog.TryFind(family + suffix, out _), $"{family + suffix} is missing");
    }

    [Fact]
    public void Quantized_files_are_smaller_than_their_f16_file()
    {
        foreach (var family in new[] { "tiny", "base", "small", "tiny.en", "base.en", "small.en" })
        {
            var f16 = ModelCatalog.Find(family).SizeBytes;
            Assert.True(ModelCatalog.Find(family + "-q8_0").SizeBytes < f16);
            Assert.True(ModelCatalog.Find(family + "-q5_1").SizeBytes < ModelCatalog.Find(family + "-q8_0").SizeBytes);
        }
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_list_of_known_ones()
    {
        var error = Assert.Throws<UnknownModelException>(() => ModelCatalog.Find("large-v9"));

        Assert.Equal("large-v9", error.Name);
        Assert.Contains("'large-v9'", error.Message, StringComparison.Ordinal);
        Assert.All(ModelCatalog.All, model => Assert.Contains(model.Name, error.Message, StringComparison.Ordinal));
        Assert.False(ModelCatalog.TryFind("large-v9", out _));
        Assert.False(ModelCatalog.TryFind(null, out _));
    }

    [Fact]
    public void Names_are_found_ignoring_case_and_surrounding_spaces()
    {
        Assert.Equal("base-q8_0", ModelCatalog.Find(" Base-Q8_0 ").Name);
    }

    [Fact]
    public void The_base_model_has_the_size_and_digest_hugging_face_publishes()
    {
        // Spot check against the published LFS entry, so a slip when editing the table shows up here.
        var model = ModelCatalog.Find("base");

        Assert.Equal(147_951_465, model.SizeBytes);
        Assert.Equal("60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe", model.Sha256);
    }
}
