using Prometheus;

namespace Kisei.Web.Metrics;

/// <summary>
/// The series an operator scrapes (prometheus-net). Each app has its own registry, so test hosts
/// sharing a process do not share counts. Counters and the histogram count what this replica did;
/// the gauges are read from the database and Hangfire's storage at each scrape
/// (<see cref="MetricsExtensions"/>), so every replica reports the same cluster-wide figures.
/// </summary>
public sealed class KiseiMetrics
{
    public KiseiMetrics()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Uploads = factory.CreateCounter("kisei_uploads_total", "Screams uploaded and stored by this replica.");
        Scores = factory.CreateCounter("kisei_scores_total", "Screams scored by this replica, by recognizer.", "recognizer");
        ScoringDuration = factory.CreateHistogram(
            "kisei_scoring_duration_seconds",
            "Time from a score run's claim to its result.",
            new HistogramConfiguration { Buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30] });
        KubernetesErrors = factory.CreateCounter("kisei_kubernetes_api_errors_total", "Kubernetes API calls that failed after their retries, by the job that made them.", "job");
        QueueLength = factory.CreateGauge("kisei_scoring_queue_length", "Score jobs waiting in Hangfire's queue.");
        OldestJobAge = factory.CreateGauge("kisei_scoring_queue_oldest_job_age_seconds", "How long the oldest waiting score job has waited; 0 when none waits.");
        FailedJobs = factory.CreateGauge("kisei_failed_jobs", "Jobs in Hangfire's failed state.");
        BillYen = factory.CreateGauge("kisei_bill_yen", "The latest cost-shares snapshot's bill, in yen.");
        ObservedReplicas = factory.CreateGauge("kisei_replicas_observed", "Replicas the cluster reported at the latest scaling run.");
        TargetReplicas = factory.CreateGauge("kisei_replicas_target", "The replicas the total score asked for at the latest scaling run.");
        ProjectedBillYen = factory.CreateGauge("kisei_projected_bill_yen", "The month's bill projected from this period's snapshots, in yen.");
        BudgetAlarm = factory.CreateGauge("kisei_budget_alarm", "1 while the projected bill is past the budget alarm's threshold, else 0.");
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public Counter Uploads { get; }

    public Counter Scores { get; }

    public Histogram ScoringDuration { get; }

    public Counter KubernetesErrors { get; }

    public Gauge QueueLength { get; }

    public Gauge OldestJobAge { get; }

    public Gauge FailedJobs { get; }

    public Gauge BillYen { get; }

    public Gauge ObservedReplicas { get; }

    public Gauge TargetReplicas { get; }

    public Gauge ProjectedBillYen { get; }

    public Gauge BudgetAlarm { get; }

    /// <summary>Counts one scored scream.</summary>
    public void Scored(string recognizer, TimeSpan duration)
    {
        Scores.WithLabels(recognizer).Inc();
        ScoringDuration.Observe(duration.TotalSeconds);
    }
}
