/**
 * The error contract of the HTTP answers: the JSON body of every 4xx ({@link io.cohort.api.error.ApiError})
 * and the exception that carries it. Below both {@code api} and {@code auth} (and the admin guard
 * in {@code ops}), which all answer with it, so that none of them depends on another for it.
 */
package io.cohort.api.error;
