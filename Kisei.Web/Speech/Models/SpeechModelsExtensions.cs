using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kisei.Web.Speech.Models;

public static class SpeechModelsExtensions
{
    /// <summary>
    /// Binds and validates <see cref="SpeechOptions"/>, and registers <see cref="ModelStore"/>,
    /// <see cref="ModelDownloader"/> (a typed HttpClient) and <see cref="ModelDownloadService"/>.
    /// </summary>
    public static IHostApplicationBuilder AddSpeechModels(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<SpeechOptions>()
            .BindConfiguration(SpeechOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SpeechOptions>, SpeechOptionsValidator>());

        services.TryAddSingleton(provider => new ModelStore(
            provider.GetRequiredService<IOptions<SpeechOptions>>().Value,
            provider.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.TryAddSingleton(DownloadRetryPolicy.Default);

        services.AddHttpClient<ModelDownloader>(client =>
        {
            // Model files are hundreds of megabytes; the downloader's own response and idle timeouts
            // catch a stalled transfer, where a whole-request timeout would cut a slow but healthy one.
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Kisei/1.0");
        });

        services.AddHostedService<ModelDownloadService>();
        return builder;
    }
}
