/**
 * The HTTP API: request filters and body limits, JSON representations, the mapping of every
 * failure to a JSON error body, the OpenAPI document; thin JAX-RS resources in {@code resources},
 * the web console in {@code console}. The error body itself is in {@code api.error}, which
 * {@code auth} and the admin guard use too.
 */
package io.cohort.api;
