/**
 * Talking to vendor APIs, shared by source connectors and destination adapters (it sits below
 * both, so either may use it, and it is the only way either reaches a vendor):
 * {@link io.cohort.vendor.VendorHttp}, the one configured and instrumented outbound HTTP client
 * (config key {@code httpClient}; whole answers, or streamed ones for large files);
 * {@link io.cohort.vendor.CallLimits}, per-instance call budgets (resilience4j rate limiter and
 * bulkhead, and the day's calls against a daily quota) such as Marketo's 100 calls per 20 s, 10
 * concurrent calls and 50,000 a day per instance, shared by the source and the destination of
 * one instance, see {@link io.cohort.vendor.MarketoLimits}; and
 * {@link io.cohort.vendor.FreshTokenRetry}, one more try with a new token when a vendor calls
 * the one used expired.
 */
package io.cohort.vendor;
