package io.cohort.destination;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.time.Clock;

/** What the service hands every destination when building it. */
public record DestinationContext(ObjectMapper mapper, HttpClient http, MetricRegistry metrics, Clock clock) {}
