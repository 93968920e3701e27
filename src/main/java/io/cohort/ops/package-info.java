/** Operations: health checks, admin tasks and metrics gauges on the admin port. */
package io.cohort.ops;
