using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EdgeLB.Core.Observability;

/// <summary>
/// Collects every instrument of the meters whose name starts with a prefix and renders them in the
/// Prometheus text exposition format (version 0.0.4). Counters become <c>_total</c> counters,
/// up-down counters and observable gauges become gauges, histograms get cumulative buckets.
/// Instrument names become metric names; characters Prometheus does not allow in a name (the dots of
/// OpenTelemetry-style names such as <c>edgelb.forwarder.bytes</c>) become underscores.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    public PrometheusExporter(string meterPrefix = "EdgeLB")
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(meterPrefix, StringComparison.Ordinal))
            {
                _series[instrument] = new Series(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, state) => _series.TryRemove(instrument, out var removed);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>Renders every series; observable instruments are read now.</summary>
    public string Render()
    {
        foreach (var series in _series.Values)
        {
            if (series.IsObservable)
            {
                series.ResetPoints();
            }
        }

        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            series.WriteTo(text);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, LabelText(tags));
        }
    }

    private static string LabelText(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return string.Empty;
        }

        var sorted = tags.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder("{");
        for (var i = 0; i < sorted.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            var value = Convert.ToString(sorted[i].Value, CultureInfo.InvariantCulture) ?? string.Empty;
            text.Append(sorted[i].Key).Append("=\"")
                .Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }

        return text.Append('}').ToString();
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The Prometheus metric name for an instrument name: [a-zA-Z_:][a-zA-Z0-9_:]*.</summary>
    internal static string MetricName(string instrumentName)
    {
        var name = string.Create(instrumentName.Length, instrumentName, (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_';
            }
        });
        return name.Length > 0 && char.IsAsciiDigit(name[0]) ? "_" + name : name;
    }

    /// <summary>The points of one instrument, one per label set.</summary>
    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Point> _points = new(StringComparer.Ordinal);

        public string Name { get; } = MetricName(instrument.Name);

        public bool IsObservable => instrument.IsObservable;

        private string Kind => instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
            _ => "gauge",
        };

        public void ResetPoints() => _points.Clear();

        public void Record(double value, string labels)
        {
            var point = _points.GetOrAdd(labels, _ => new Point(Kind == "histogram" ? DefaultBuckets.Length : 0));
            lock (point)
            {
                switch (Kind)
                {
                    case "histogram":
                        point.Observe(value);
                        break;
                    case "counter" when !IsObservable:
                        point.Value += value;
                        break;
                    case "gauge" when !IsObservable:
                        point.Value += value;
                        break;
                    default:
                        point.Value = value;
                        break;
                }
            }
        }

        public void WriteTo(StringBuilder text)
        {
            if (_points.IsEmpty)
            {
                return;
            }

            var name = Kind == "counter" && !Name.EndsWith("_total", StringComparison.Ordinal) ? Name + "_total" : Name;
            if (!string.IsNullOrEmpty(instrument.Description))
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            }

            text.Append("# TYPE ").Append(name).Append(' ').Append(Kind).Append('\n');
            foreach (var (labels, point) in _points.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                lock (point)
                {
                    if (Kind != "histogram")
                    {
                        text.Append(name).Append(labels).Append(' ').Append(Number(point.Value)).Append('\n');
                        continue;
                    }

                    long cumulative = 0;
                    for (var b = 0; b <= DefaultBuckets.Length; b++)
                    {
                        cumulative += point.Buckets[b];
                        var le = b < DefaultBuckets.Length ? Number(DefaultBuckets[b]) : "+Inf";
                        var bucketLabels = labels.Length == 0 ? $"{{le=\"{le}\"}}" : $"{labels[..^1]},le=\"{le}\"}}";
                        text.Append(name).Append("_bucket").Append(bucketLabels).Append(' ').Append(cumulative).Append('\n');
                    }

                    text.Append(name).Append("_sum").Append(labels).Append(' ').Append(Number(point.Value)).Append('\n');
                    text.Append(name).Append("_count").Append(labels).Append(' ').Append(point.Count).Append('\n');
                }
            }
        }
    }

    private sealed class Point(int bucketCount)
    {
        public double Value { get; set; }

        public long Count { get; private set; }

        public long[] Buckets { get; } = new long[bucketCount + 1];

        public void Observe(double value)
        {
            Value += value;
            Count++;
            var index = Array.BinarySearch(DefaultBuckets, value);
            Buckets[index >= 0 ? index : ~index]++;
        }
    }
}
