/**
 * The fact model that rule files see. Every class here is an immutable record with typed fields;
 * ids are unified ids (a person unified by email across sources, an account unified across sources
 * through MDM links and CRM-to-Marketo sync). See rules/README.md for the analyst's reference.
 */
package io.cohort.model;
