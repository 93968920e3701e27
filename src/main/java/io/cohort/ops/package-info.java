/**
 * Operations: the start-up sequence behind open ports and the snapshot at shutdown
 * ({@link io.cohort.ops.Startup}), health checks, admin tasks and metrics gauges on the admin port.
 */
package io.cohort.ops;
