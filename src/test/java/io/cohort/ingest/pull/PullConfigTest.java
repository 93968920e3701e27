package io.cohort.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.CohortConfiguration;
import io.cohort.ingest.FileDropSourceFactory;
import io.cohort.ingest.pull.filedrop.FileDropPull;
import io.cohort.ingest.pull.marketo.MarketoPull;
import io.cohort.ingest.pull.salesforce.SalesforcePull;
import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pull: blocks as config.yml states them: defaults, secrets from the environment, refusals that say what is wrong. */
class PullConfigTest {
    @TempDir Path tmp;

    private CohortConfiguration load(String sources, Map<String, String> env) throws Exception {
        Path file = tmp.resolve("c.yml");
        Files.writeString(file, "database: {driverClass: org.h2.Driver, url: \"jdbc:h2:mem:x\"}\nsources:\n" + sources);
        var factory = new YamlConfigurationFactory<>(CohortConfiguration.class, Validators.newValidator(),
                Jackson.newObjectMapper(), "dw");
        return factory.build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(),
                new EnvironmentVariableSubstitutor(false) {
                    @Override public String replace(String source) {
                        String s = source;
                        for (var e : env.entrySet()) s = s.replace("${" + e.getKey() + "}", e.getValue());
                        return s;
                    }
                }), file.toString());
    }

    @Test
    void pullBlocksWithSecretsFromTheEnvironmentAndDefaults() throws Exception {
        CohortConfiguration c = load("""
                  marketo-1:
                    type: marketo
                    crmSource: crm-1
                    pull: {baseUrl: "https://123-ABC-456.mktorest.com", clientId: "${MKTO_ID}", clientSecret: "${MKTO_SECRET}", startDate: 2025-01-01}
                  crm-1:
                    type: salesforce
                    pull: {loginUrl: "https://bodea.my.salesforce.com", clientId: "${SF_ID}", clientSecret: "${SF_SECRET}",
                           extraFields: {Opportunity: [CurrencyIsoCode]}}
                  mdm: {type: mdm, pull: {directory: /var/lib/cohort/drop/mdm}}
                  files: {type: filedrop, pull: {directory: /var/lib/cohort/drop/files}}
                  pushed: {type: generic}
                """, Map.of("MKTO_ID", "id-1", "MKTO_SECRET", "s3cret", "SF_ID", "3MVG9", "SF_SECRET", "sf"));
        MarketoPull m = (MarketoPull) c.sources().get("marketo-1").pull();
        assertThat(m.getClientSecret()).isEqualTo("s3cret");
        assertThat(m.getMaxCallsPerWindow()).isEqualTo(100);
        assertThat(m.getMaxConcurrentCalls()).isEqualTo(10);
        assertThat(m.getDailyQuota()).isEqualTo(50_000);
        assertThat(m.getActivityTypeIds()).contains(1, 2, 3, 6, 7, 8, 9, 10, 11);
        assertThat(m.getPollInterval().toMinutes()).isEqualTo(5);
        SalesforcePull s = (SalesforcePull) c.sources().get("crm-1").pull();
        assertThat(s.getApiVersion()).isEqualTo("62.0");
        assertThat(s.getObjects()).containsExactly("Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole",
                "AccountContactRelation", "Campaign", "CampaignMember");
        assertThat(s.getDeletes()).isEqualTo(SalesforcePull.Deletes.both);
        assertThat(s.getDeletedPollInterval().toMinutes()).isEqualTo(15);
        // The Marketo source asks for the same per-instance limits as a Marketo destination's defaults.
        assertThat(m.limits()).isEqualTo(io.cohort.vendor.MarketoLimits.DEFAULT);
        assertThat(m.limits()).isEqualTo(new io.cohort.destination.marketo.MarketoDestinationFactory().limits());
        assertThat(c.sources().get("mdm").pull()).isInstanceOf(FileDropPull.class);
        assertThat(c.sources().get("files")).isInstanceOf(FileDropSourceFactory.class);
        assertThat(c.sources().get("pushed").pull()).isNull();
    }

    @Test
    void referencesToSourcesThatAreNotConfiguredAreRefusedAtStart() throws Exception {
        for (String sources : new String[] {
                "  marketo-1: {type: marketo, crmSource: crm-9}\n  crm-1: {type: salesforce}\n",
                "  mdm: {type: mdm, systems: {SFDC_LINE1: crm-9}}\n  crm-1: {type: salesforce}\n"}) {
            assertThatThrownBy(() -> load(sources, Map.of()))
                    .isInstanceOf(ConfigurationValidationException.class)
                    .hasMessageContaining("crmSource and the values of an MDM source's systems must be ids of configured sources");
        }
        // Named sources: accepted.
        load("  marketo-1: {type: marketo, crmSource: crm-1}\n  crm-1: {type: salesforce}\n"
                + "  mdm: {type: mdm, systems: {SFDC_LINE1: crm-1}}\n", Map.of());
    }

    @Test
    void aBadPullBlockIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> load("""
                  marketo-1: {type: marketo, pull: {baseUrl: "ftp://x", clientId: a, clientSecret: b, objects: [leads, contacts]}}
                  crm-1: {type: salesforce, pull: {loginUrl: "https://x.my.salesforce.com", clientId: a}}
                  files: {type: filedrop}
                """, Map.of()))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("objects: unknown name")
                .hasMessageContaining("baseUrl must be an http(s) URL")
                .hasMessageContaining("give clientSecret (client credentials flow) or username and privateKey")
                .hasMessageContaining("sources[files].pull must not be null");
    }

    @Test
    void anUnknownDeletesModeIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> load("""
                  crm-1: {type: salesforce, pull: {loginUrl: "https://x.my.salesforce.com", clientId: a, clientSecret: b, deletes: sometimes}}
                """, Map.of()))
                .hasMessageContaining("deletes")
                .hasMessageContaining("both").hasMessageContaining("queryAll").hasMessageContaining("getDeleted");
    }
}
