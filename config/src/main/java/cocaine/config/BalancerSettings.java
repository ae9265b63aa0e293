package cocaine.config;

import java.util.Objects;

/**
 * The balancer's gateway ({@code cocaine.balancer}; docs/protocol.md 5.4).
 *
 * @param gateway    how clients are routed to nodes
 * @param listenHost address the userspace gateway's virtual endpoints listen on
 */
public record BalancerSettings(Gateway gateway, String listenHost) {
  /** Gateways: a TCP relay in this process, Linux IPVS, or nftables DNAT. */
  public enum Gateway { USERSPACE, IPVS, NFTABLES }

  public BalancerSettings {
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(listenHost, "listenHost");
  }

  static BalancerSettings from(SettingsReader r) {
    return new BalancerSettings(r.oneOf("gateway", Gateway.class), r.nonEmptyString("listen-host"));
  }
}
