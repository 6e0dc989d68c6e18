package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgcluster.cluster.ConnectionStrings.Endpoint;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStringsTest {

    @Test
    void passwordsWithReservedCharactersArePercentEncoded() {
        String uri = ConnectionStrings.uri("postgres", "p@ss:w/rd ?&=#%", new Endpoint("127.0.0.1", 5432), "app", false);
        assertEquals("postgresql://postgres:p%40ss%3Aw%2Frd%20%3F%26%3D%23%25@127.0.0.1:5432/app", uri);
        String jdbc = ConnectionStrings.jdbcUrl("postgres", "a&b=c", new Endpoint("127.0.0.1", 5432), "app", false);
        assertEquals("jdbc:postgresql://127.0.0.1:5432/app?user=postgres&password=a%26b%3Dc", jdbc);
    }

    @Test
    void readOnlyStringsListEveryEndpointInOrder() {
        var endpoints = List.of(new Endpoint("h", 2), new Endpoint("h", 3), new Endpoint("h", 1));
        assertEquals("postgresql://u:p@h:2,h:3,h:1/db?target_session_attrs=prefer-standby&load_balance_hosts=random",
                ConnectionStrings.readOnlyUri("u", "p", endpoints, "db", false));
        assertEquals("jdbc:postgresql://h:2,h:3,h:1/db?targetServerType=preferSecondary&loadBalanceHosts=true&user=u&password=p",
                ConnectionStrings.readOnlyJdbcUrl("u", "p", endpoints, "db", false));
    }

    @Test
    void withTlsEveryStringChecksTheServersCertificateAndName() {
        var endpoint = new Endpoint("127.0.0.1", 5432);
        var endpoints = List.of(new Endpoint("h", 2), new Endpoint("h", 1));
        assertEquals("postgresql://u:p@127.0.0.1:5432/db?sslmode=verify-full",
                ConnectionStrings.uri("u", "p", endpoint, "db", true));
        assertEquals("jdbc:postgresql://127.0.0.1:5432/db?user=u&password=p&sslmode=verify-full",
                ConnectionStrings.jdbcUrl("u", "p", endpoint, "db", true));
        assertEquals("postgresql://u:p@h:2,h:1/db?target_session_attrs=prefer-standby&load_balance_hosts=random"
                        + "&sslmode=verify-full",
                ConnectionStrings.readOnlyUri("u", "p", endpoints, "db", true));
        assertEquals("jdbc:postgresql://h:2,h:1/db?targetServerType=preferSecondary&loadBalanceHosts=true&user=u&password=p"
                        + "&sslmode=verify-full",
                ConnectionStrings.readOnlyJdbcUrl("u", "p", endpoints, "db", true));
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1,,127.0.0.1", "10.0.0.5,tcp://db-host:2376,10.0.0.5", "0.0.0.0,,localhost",
            "0.0.0.0,tcp://db-host:2376,db-host", "0.0.0.0,ssh://ops@db-host-2,db-host-2", "0.0.0.0,unix:///var/run/docker.sock,localhost"})
    void clientHostFollowsThePublishAddressOrTheDockerHost(String publish, String dockerHost, String expected) {
        assertEquals(expected, ConnectionStrings.clientHost(publish, Optional.ofNullable(dockerHost)));
    }
}
