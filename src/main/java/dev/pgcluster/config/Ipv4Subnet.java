package dev.pgcluster.config;

/**
 * An IPv4 network in CIDR form, already validated by {@link Validators#subnet}.
 *
 * @param network the network address as a 32-bit value
 * @param prefix  the prefix length
 */
public record Ipv4Subnet(int network, int prefix) {

    public String cidr() {
        return format(network) + "/" + prefix;
    }

    /** The first host address; Docker's bridge uses it as the gateway. */
    public String gateway() {
        return format(network + 1);
    }

    /** Host addresses left for containers once network, gateway and broadcast are taken. */
    public long containerAddresses() {
        return (1L << (32 - prefix)) - 3;
    }

    static String format(int address) {
        return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "."
                + ((address >>> 8) & 0xff) + "." + (address & 0xff);
    }

    @Override
    public String toString() {
        return cidr();
    }
}
