package io.cohort.destination;

import java.time.Instant;
import java.util.List;

/** One destination: its latest connection check (null before the first) and its activations. */
public record DestinationStatus(String id, ConnectionCheck health, Instant checkedAt,
                                List<ActivationStatus> activations) {}
