package cocaine.gateway;

import cocaine.config.BalancerSettings;
import cocaine.config.Settings;
import org.apache.pekko.actor.typed.ActorSystem;

/** A gateway kind found with {@link java.util.ServiceLoader} (listed in META-INF/services). */
public interface GatewayProvider {
  BalancerSettings.Gateway kind();

  /** Sets the gateway up; fails with a message a person can act on (missing privileges, tools). */
  Gateway open(ActorSystem<?> system, Settings settings);
}
