/** Bearer-token authentication and the four roles: ingest, analyst, reader, operator. */
package io.cohort.auth;
