/**
 * Activation: the destination SPI, the outbox dispatcher that delivers audience changes, and one
 * sub-package per adapter (marketo, linkedin, webhook, file).
 *
 * <p>Wiring ({@link io.cohort.Wiring#service}):
 * <pre>{@code
 * var ctx = new DestinationContext(env.getObjectMapper(), vendorHttp, env.metrics(), Clock.systemUTC(),
 *         callLimits, pools);                         // pools: the lifecycle's named executors
 * var destinations = new Destinations(config.destinations(), config.activations(),
 *         config.dispatcher(), jdbi, ctx);            // throws IllegalStateException on a bad activation
 * env.lifecycle().manage(destinations);               // starts one dispatcher thread per activation
 * destinations.healthChecks().forEach(env.healthChecks()::register);   // in Endpoints.admin
 * }</pre>
 * The audience stage calls {@link io.cohort.destination.Destinations#wakeUp(String)} after it
 * commits outbox rows; the dispatchers also poll every {@code dispatcher.pollInterval}.
 */
package io.cohort.destination;
