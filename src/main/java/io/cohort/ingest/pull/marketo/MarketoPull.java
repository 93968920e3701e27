package io.cohort.ingest.pull.marketo;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullSettings;
import io.cohort.vendor.CallLimits;
import io.cohort.vendor.MarketoLimits;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code pull:} block of a {@code type: marketo} source: Cohort reads the instance through
 * its REST API (docs/sources.md, "Pulling from Marketo").
 *
 * <pre>
 * marketo-1:
 *   type: marketo
 *   crmSource: crm-1
 *   pull:
 *     baseUrl: https://123-ABC-456.mktorest.com
 *     clientId: ${MARKETO1_CLIENT_ID}
 *     clientSecret: ${MARKETO1_CLIENT_SECRET}
 *     startDate: 2025-01-01
 * </pre>
 */
public class MarketoPull extends PullSettings {
    /** Everything the connector can fetch; {@code objects} picks a subset. */
    public static final Set<String> OBJECTS = Set.of("leads", "activities", "deletedLeads", "companies",
            "opportunities", "opportunityRoles", "lists");

    @NotEmpty @JsonProperty private String baseUrl;
    @NotEmpty @JsonProperty private String clientId;
    @NotEmpty @JsonProperty private String clientSecret;
    @NotNull @JsonProperty private Set<String> objects = new LinkedHashSet<>(List.of("leads", "activities",
            "deletedLeads", "companies", "opportunities", "opportunityRoles", "lists"));
    /** Visit Webpage, Fill Out Form, Click Link, the email events; at most 10 per call, more are split. */
    @NotEmpty @JsonProperty private List<@Min(1) Integer> activityTypeIds = List.of(1, 2, 3, 6, 7, 8, 9, 10, 11, 27);
    @NotEmpty @JsonProperty private List<@NotEmpty String> leadFields = List.of("id", "email", "firstName", "lastName",
            "title", "country", "company", "externalCompanyId", "leadRole", "unsubscribed", "emailInvalid",
            "leadScore", "leadSource", "createdAt", "updatedAt");
    @NotEmpty @JsonProperty private List<@NotEmpty String> companyFields = List.of("id", "externalCompanyId", "company",
            "website", "industry", "numberOfEmployees", "annualRevenue", "billingCountry", "billingCity");
    @NotEmpty @JsonProperty private List<@NotEmpty String> opportunityFields = List.of("marketoGUID",
            "externalOpportunityId", "externalCompanyId", "name", "amount", "stage", "type", "isClosed", "isWon", "closeDate",
            "createdAt");
    /**
     * Leads created since this date are read by the lead backfill (a lead's current state, however
     * old). Default 2006-01-01, before any Marketo subscription; set it to the subscription's start
     * to save empty export jobs. (startDate bounds the activity history instead.)
     */
    @JsonProperty private java.time.LocalDate leadsCreatedSince;
    /** Static lists to mirror (ids); empty: every static list. */
    @NotNull @JsonProperty private List<Long> listIds = List.of();
    /** How often lists, and the companies/opportunities/roles already known, are read again whole. */
    @NotNull @JsonProperty private Duration refreshInterval = Duration.hours(6);
    /** How often a queued bulk export's status is checked. */
    @NotNull @JsonProperty private Duration exportPollInterval = Duration.seconds(30);
    /** Days per bulk export job (Marketo allows at most 31). */
    @Min(1) @Max(31) @JsonProperty private int exportWindowDays = 31;
    @Min(1) @JsonProperty private int maxCallsPerWindow = 100;
    @NotNull @JsonProperty private Duration rateWindow = Duration.seconds(20);
    @Min(1) @JsonProperty private int maxConcurrentCalls = 10;
    /** The subscription's daily API quota (50,000 unless bought up); resets at midnight US Central. */
    @Min(0) @JsonProperty private long dailyQuota = 50_000;
    /** Calls left for other users of the instance (the Marketo destination): pulling stops here. */
    @Min(0) @JsonProperty private long quotaReserve = 5_000;
    @Min(1) @Max(10) @JsonProperty private int retryAttempts = 4;

    @Override
    public Connector build(String sourceId, PullContext context) {
        // The instance's budget, shared with a Marketo destination of the same instance.
        CallLimits.Budget limits = MarketoLimits.budget(context.limits(), baseUrl, limits());
        MarketoApi api = new MarketoApi(sourceId, this, context.http(), context.json(), context.clock(), limits);
        return new MarketoConnector(sourceId, this, api, context);
    }

    @AssertTrue(message = "objects: unknown name; allowed: leads, activities, deletedLeads, companies, opportunities, opportunityRoles, lists")
    public boolean isObjectsValid() { return objects == null || OBJECTS.containsAll(objects); }

    @AssertTrue(message = "baseUrl must be an http(s) URL such as https://123-ABC-456.mktorest.com")
    public boolean isBaseUrlValid() { return baseUrl == null || baseUrl.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?"); }

    java.time.Instant leadBackfillStart() {
        return (leadsCreatedSince == null ? java.time.LocalDate.of(2006, 1, 1) : leadsCreatedSince)
                .atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }

    /** The per-instance limits these keys ask for (the same keys as the Marketo destination's). */
    public CallLimits.Limits limits() {
        return MarketoLimits.of(maxCallsPerWindow, rateWindow(), maxConcurrentCalls, dailyQuota);
    }

    java.time.Duration rateWindow() { return java.time.Duration.ofMillis(rateWindow.toMilliseconds()); }

    public String getBaseUrl() { return baseUrl; }
    public void setBaseUrl(String v) { baseUrl = v; }
    public String getClientId() { return clientId; }
    public void setClientId(String v) { clientId = v; }
    public String getClientSecret() { return clientSecret; }
    public void setClientSecret(String v) { clientSecret = v; }
    public Set<String> getObjects() { return objects; }
    public void setObjects(Set<String> v) { objects = v; }
    public List<Integer> getActivityTypeIds() { return activityTypeIds; }
    public void setActivityTypeIds(List<Integer> v) { activityTypeIds = v; }
    public List<String> getLeadFields() { return leadFields; }
    public void setLeadFields(List<String> v) { leadFields = v; }
    public List<String> getCompanyFields() { return companyFields; }
    public void setCompanyFields(List<String> v) { companyFields = v; }
    public List<String> getOpportunityFields() { return opportunityFields; }
    public void setOpportunityFields(List<String> v) { opportunityFields = v; }
    public java.time.LocalDate getLeadsCreatedSince() { return leadsCreatedSince; }
    public void setLeadsCreatedSince(java.time.LocalDate v) { leadsCreatedSince = v; }
    public List<Long> getListIds() { return listIds; }
    public void setListIds(List<Long> v) { listIds = v; }
    public Duration getRefreshInterval() { return refreshInterval; }
    public void setRefreshInterval(Duration v) { refreshInterval = v; }
    public Duration getExportPollInterval() { return exportPollInterval; }
    public void setExportPollInterval(Duration v) { exportPollInterval = v; }
    public int getExportWindowDays() { return exportWindowDays; }
    public void setExportWindowDays(int v) { exportWindowDays = v; }
    public int getMaxCallsPerWindow() { return maxCallsPerWindow; }
    public void setMaxCallsPerWindow(int v) { maxCallsPerWindow = v; }
    public Duration getRateWindow() { return rateWindow; }
    public void setRateWindow(Duration v) { rateWindow = v; }
    public int getMaxConcurrentCalls() { return maxConcurrentCalls; }
    public void setMaxConcurrentCalls(int v) { maxConcurrentCalls = v; }
    public long getDailyQuota() { return dailyQuota; }
    public void setDailyQuota(long v) { dailyQuota = v; }
    public long getQuotaReserve() { return quotaReserve; }
    public void setQuotaReserve(long v) { quotaReserve = v; }
    public int getRetryAttempts() { return retryAttempts; }
    public void setRetryAttempts(int v) { retryAttempts = v; }
}
