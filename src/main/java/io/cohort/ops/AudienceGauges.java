package io.cohort.ops;

import io.cohort.destination.ActivationStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Labelled gauges of the audiences, read at each scrape: {@code cohort_segment_size{segment}}
 * (realized members, for every segment the running rules declare) and
 * {@code cohort_activation_pending{activation,segment,destination}} /
 * {@code cohort_activation_failed{…}} (1 while a fatal failure stops the activation).
 * Segments come and go with rule edits, so these are collected, not registered one by one.
 */
final class AudienceGauges implements MultiCollector {
    private final Supplier<Map<String, Integer>> segmentSizes;
    private final Supplier<List<ActivationStatus>> activations;

    AudienceGauges(Supplier<Map<String, Integer>> segmentSizes, Supplier<List<ActivationStatus>> activations) {
        this.segmentSizes = segmentSizes;
        this.activations = activations;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder sizes = GaugeSnapshot.builder().name("cohort_segment_size")
                .help("Realized members of the segment");
        segmentSizes.get().forEach((segment, size) -> sizes.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                .labels(Labels.of("segment", segment)).value(size).build()));
        GaugeSnapshot.Builder pending = GaugeSnapshot.builder().name("cohort_activation_pending")
                .help("Outbox rows of the activation waiting for delivery");
        GaugeSnapshot.Builder failed = GaugeSnapshot.builder().name("cohort_activation_failed")
                .help("1 while a fatal failure stops the activation (it retries every dispatcher.fatalRetryInterval)");
        for (ActivationStatus a : activations.get()) {
            Labels labels = Labels.of("activation", a.id(), "segment", a.segment(), "destination", a.destination());
            pending.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(a.pending()).build());
            failed.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(a.failed() ? 1 : 0).build());
        }
        return new MetricSnapshots(sizes.build(), pending.build(), failed.build());
    }
}
