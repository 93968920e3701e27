package io.cohort.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cohort.ingest.marketo.MarketoSourceFactory;
import io.cohort.ingest.mdm.MdmSourceFactory;
import io.cohort.ingest.salesforce.SalesforceSourceFactory;
import io.dropwizard.jackson.Jackson;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The source types resolve from YAML by {@code type:} through META-INF/services, as config does. */
class SourceFactoryDiscoveryTest {

    private final ObjectMapper yaml = Jackson.newObjectMapper(new YAMLFactory());

    @Test
    void everySourceTypeIsDiscoverable() throws Exception {
        String config = """
                marketo-1: {type: marketo, crmSource: crm-1}
                marketo-x: {type: marketo}
                crm-1: {type: salesforce}
                mdm: {type: mdm, systems: {SFDC_LINE1: crm-1}}
                raw: {type: generic}
                """;
        Map<String, SourceFactory> sources = yaml.readValue(config,
                yaml.getTypeFactory().constructMapType(Map.class, String.class, SourceFactory.class));

        assertThat(sources.get("marketo-1")).isInstanceOfSatisfying(MarketoSourceFactory.class,
                m -> assertThat(m.getCrmSource()).isEqualTo("crm-1"));
        assertThat(((MarketoSourceFactory) sources.get("marketo-x")).getCrmSource()).isNull();
        assertThat(sources.get("crm-1")).isInstanceOf(SalesforceSourceFactory.class);
        assertThat(sources.get("mdm")).isInstanceOfSatisfying(MdmSourceFactory.class,
                m -> assertThat(m.getSystems()).containsEntry("SFDC_LINE1", "crm-1"));
        assertThat(sources.get("raw")).isInstanceOf(GenericSourceFactory.class);
    }

    @Test
    void mappersNameTheirObjects() {
        assertThat(new MarketoSourceFactory("crm-1").nativeMapper("marketo-1").objects())
                .contains("leads", "companies", "opportunities", "opportunityRoles", "activities");
        assertThat(new SalesforceSourceFactory().nativeMapper("crm-1").objects()).containsExactly("query");
        assertThat(new MdmSourceFactory().nativeMapper("mdm").objects()).containsExactly("crossReferences");
    }
}
