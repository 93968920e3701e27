package io.cohort.ingest.pull.salesforce;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.cohort.vendor.CallLimits;
import io.cohort.ingest.pull.Connector;
import io.cohort.ingest.pull.PullContext;
import io.cohort.ingest.pull.PullSettings;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code pull:} block of a {@code type: salesforce} source: Cohort reads the org through the
 * REST API with SOQL (docs/sources.md, "Pulling from Salesforce").
 *
 * <pre>
 * crm-1:
 *   type: salesforce
 *   pull:
 *     loginUrl: https://bodea.my.salesforce.com
 *     clientId: ${CRM1_CLIENT_ID}
 *     clientSecret: ${CRM1_CLIENT_SECRET}     # client credentials flow; or username + privateKey (JWT bearer)
 * </pre>
 */
public class SalesforcePull extends PullSettings {
    /** The sObjects the connector reads, in this order, and the fields it asks for by default. */
    public static final Map<String, List<String>> DEFAULT_FIELDS = defaults();

    /** My Domain URL (client credentials) or https://login.salesforce.com (JWT bearer). */
    @NotEmpty @JsonProperty private String loginUrl;
    @NotEmpty @JsonProperty private String clientId;
    /** Client credentials flow: the connected app's consumer secret. */
    @JsonProperty private String clientSecret;
    /** JWT bearer flow: the integration user's username … */
    @JsonProperty private String username;
    /** … and the PKCS#8 PEM private key whose certificate the connected app holds. */
    @JsonProperty private String privateKey;
    /** JWT audience; default https://login.salesforce.com (https://test.salesforce.com for sandboxes). */
    @JsonProperty private String audience = "https://login.salesforce.com";
    @NotEmpty @JsonProperty private String apiVersion = "62.0";
    @NotNull @JsonProperty private Set<String> objects = new LinkedHashSet<>(DEFAULT_FIELDS.keySet());
    /** More fields per object (e.g. CurrencyIsoCode in multi-currency orgs, custom fields). */
    @NotNull @JsonProperty private Map<String, List<String>> extraFields = Map.of();
    /** Changes are read again this far back: a record committed late can carry an older SystemModstamp. */
    @NotNull @JsonProperty private Duration overlap = Duration.minutes(5);
    /** Records per query page (Sforce-Query-Options batchSize, 200 to 2000). */
    @Min(200) @Max(2000) @JsonProperty private int batchSize = 2000;
    /** Pulling pauses when this share of the org's daily API requests is used (others need some). */
    @DecimalMin("0.05") @DecimalMax("1.0") @JsonProperty private double maxApiShare = 0.8;
    /** How long to wait after REQUEST_LIMIT_EXCEEDED or reaching maxApiShare. */
    @NotNull @JsonProperty private Duration limitBackoff = Duration.hours(1);
    @Min(1) @JsonProperty private int maxConcurrentCalls = 5;
    /**
     * How deletes of Account, Contact, Lead, Opportunity and Campaign are found: {@code both}
     * (queryAll's IsDeleted rows as they happen, and the delete log for what queryAll cannot show:
     * hard deletes, an emptied recycle bin), {@code queryAll}, or {@code getDeleted} (the delete log
     * only, for orgs where queryAll is not allowed). Junction objects always use queryAll.
     */
    @NotNull @jakarta.validation.constraints.Pattern(regexp = "both|queryAll|getDeleted",
            message = "must be both, queryAll or getDeleted") @JsonProperty private String deletes = "both";
    /** How often the delete log is read. */
    @NotNull @JsonProperty private Duration deletedPollInterval = Duration.minutes(15);
    /** The delete log's resolution: Salesforce ignores seconds (leave at 1m; lower only for a test org's fake). */
    @NotNull @JsonProperty private Duration deleteLogResolution = Duration.minutes(1);

    /** Where deletes come from (see {@code deletes}). */
    public enum Deletes { both, queryAll, getDeleted }
    @Min(1) @Max(10) @JsonProperty private int retryAttempts = 4;

    @Override
    public Connector build(String sourceId, PullContext context) {
        // Salesforce limits concurrency (long requests) and requests per rolling 24 h, which
        // Sforce-Limit-Info reports; no per-second rate. Keyed by source: JWT sources of different
        // orgs share the login host, and a source is one org.
        CallLimits.Budget limits = context.limits().budget("salesforce:" + sourceId,
                new CallLimits.Limits(1_000, java.time.Duration.ofSeconds(1), maxConcurrentCalls, java.time.Duration.ofMinutes(2)));
        return new SalesforceConnector(sourceId, this, new SalesforceApi(sourceId, this, context.http(), context.json(),
                context.clock(), limits), context);
    }

    @AssertTrue(message = "give clientSecret (client credentials flow) or username and privateKey (JWT bearer flow)")
    public boolean isCredentialsValid() {
        return (clientSecret != null && !clientSecret.isBlank()) || (username != null && privateKey != null);
    }

    @AssertTrue(message = "objects: supported are Account, Contact, Lead, Opportunity, OpportunityContactRole, AccountContactRelation, Campaign, CampaignMember")
    public boolean isObjectsValid() { return objects == null || DEFAULT_FIELDS.keySet().containsAll(objects); }

    @AssertTrue(message = "apiVersion must look like 62.0")
    public boolean isApiVersionValid() { return apiVersion == null || apiVersion.matches("\\d{2,3}\\.\\d"); }

    @AssertTrue(message = "extraFields: field names are letters, digits and '_' (custom fields end in __c)")
    public boolean isExtraFieldsValid() {
        return extraFields == null || extraFields.values().stream().flatMap(List::stream).allMatch(f -> f.matches("[A-Za-z][A-Za-z0-9_]{0,79}"));
    }

    /** The SOQL field list of an object: defaults, extras, and what the sync itself needs. */
    List<String> fields(String object) {
        Set<String> f = new LinkedHashSet<>(DEFAULT_FIELDS.get(object));
        f.addAll(extraFields.getOrDefault(object, List.of()));
        return List.copyOf(f);
    }

    java.time.Duration overlapDuration() { return java.time.Duration.ofMillis(overlap.toMilliseconds()); }

    /** queryAll for the incremental stream of {@code object}: its IsDeleted rows become deletes. */
    boolean queryAll(String object) {
        return getDeletes() != Deletes.getDeleted || !DeleteLogStream.TARGETS.containsKey(object);
    }

    /** Whether {@code object}'s delete log is read. */
    boolean readsDeleteLog(String object) {
        return getDeletes() != Deletes.queryAll && DeleteLogStream.TARGETS.containsKey(object);
    }

    java.time.Duration deletedInterval() { return java.time.Duration.ofMillis(deletedPollInterval.toMilliseconds()); }

    java.time.Duration deleteLogResolution() { return java.time.Duration.ofMillis(deleteLogResolution.toMilliseconds()); }

    java.time.Duration limitWait() { return java.time.Duration.ofMillis(limitBackoff.toMilliseconds()); }

    private static Map<String, List<String>> defaults() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("Account", List.of("Id", "Name", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "BillingCountry",
                "BillingCity", "Type", "SystemModstamp", "IsDeleted"));
        m.put("Contact", List.of("Id", "AccountId", "Email", "FirstName", "LastName", "Title", "MailingCountry",
                "HasOptedOutOfEmail", "LeadSource", "SystemModstamp", "IsDeleted"));
        m.put("Lead", List.of("Id", "Email", "FirstName", "LastName", "Title", "Country", "Company", "HasOptedOutOfEmail",
                "LeadSource", "Status", "IsConverted", "SystemModstamp", "IsDeleted"));
        m.put("Opportunity", List.of("Id", "AccountId", "Name", "Amount", "StageName", "IsWon", "IsClosed", "CloseDate",
                "CreatedDate", "Type", "SystemModstamp", "IsDeleted"));
        m.put("OpportunityContactRole", List.of("Id", "OpportunityId", "ContactId", "Role", "IsPrimary", "SystemModstamp", "IsDeleted"));
        m.put("AccountContactRelation", List.of("Id", "AccountId", "ContactId", "Roles", "IsActive", "IsDirect",
                "SystemModstamp", "IsDeleted"));
        m.put("Campaign", List.of("Id", "Name", "Type", "Status", "SystemModstamp", "IsDeleted"));
        m.put("CampaignMember", List.of("Id", "CampaignId", "ContactId", "LeadId", "Status", "SystemModstamp", "IsDeleted"));
        return java.util.Collections.unmodifiableMap(m);
    }

    public String getLoginUrl() { return loginUrl; }
    public void setLoginUrl(String v) { loginUrl = v; }
    public String getClientId() { return clientId; }
    public void setClientId(String v) { clientId = v; }
    public String getClientSecret() { return clientSecret; }
    public void setClientSecret(String v) { clientSecret = v; }
    public String getUsername() { return username; }
    public void setUsername(String v) { username = v; }
    public String getPrivateKey() { return privateKey; }
    public void setPrivateKey(String v) { privateKey = v; }
    public String getAudience() { return audience; }
    public void setAudience(String v) { audience = v; }
    public String getApiVersion() { return apiVersion; }
    public void setApiVersion(String v) { apiVersion = v; }
    public Set<String> getObjects() { return objects; }
    public void setObjects(Set<String> v) { objects = v; }
    public Map<String, List<String>> getExtraFields() { return extraFields; }
    public void setExtraFields(Map<String, List<String>> v) { extraFields = v; }
    public Duration getOverlap() { return overlap; }
    public void setOverlap(Duration v) { overlap = v; }
    public Deletes getDeletes() { return Deletes.valueOf(deletes); }
    public void setDeletes(String v) { deletes = v; }
    public Duration getDeletedPollInterval() { return deletedPollInterval; }
    public void setDeletedPollInterval(Duration v) { deletedPollInterval = v; }
    public Duration getDeleteLogResolution() { return deleteLogResolution; }
    public void setDeleteLogResolution(Duration v) { deleteLogResolution = v; }
    public int getBatchSize() { return batchSize; }
    public void setBatchSize(int v) { batchSize = v; }
    public double getMaxApiShare() { return maxApiShare; }
    public void setMaxApiShare(double v) { maxApiShare = v; }
    public Duration getLimitBackoff() { return limitBackoff; }
    public void setLimitBackoff(Duration v) { limitBackoff = v; }
    public int getMaxConcurrentCalls() { return maxConcurrentCalls; }
    public void setMaxConcurrentCalls(int v) { maxConcurrentCalls = v; }
    public int getRetryAttempts() { return retryAttempts; }
    public void setRetryAttempts(int v) { retryAttempts = v; }
}
