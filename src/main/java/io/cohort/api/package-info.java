/** The HTTP API: JSON representations, error bodies, and thin JAX-RS resources in resources/. */
package io.cohort.api;
