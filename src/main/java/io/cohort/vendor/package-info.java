/**
 * Talking to vendor APIs, shared by source connectors and destination adapters (it sits below
 * both, so either may use it): {@link io.cohort.vendor.VendorHttp}, the one configured and
 * instrumented outbound HTTP client (config key {@code httpClient}), and
 * {@link io.cohort.vendor.CallLimits}, per-instance call budgets (rate limit and concurrency) such
 * as Marketo's 100 calls per 20 s and 10 concurrent calls per instance, see
 * {@link io.cohort.vendor.MarketoLimits}.
 */
package io.cohort.vendor;
