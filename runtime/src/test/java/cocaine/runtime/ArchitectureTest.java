package cocaine.runtime;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The module rules of ARCHITECTURE.md as checks on the compiled classes of every module the runtime
 * is built from: no package cycles anywhere, and each module's packages use only the packages of the
 * modules below it.
 */
class ArchitectureTest {
  static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("cocaine");

  /** Each module's packages, in the order of ARCHITECTURE.md: a module may use those above it. */
  static final Map<String, List<String>> MODULES = new LinkedHashMap<>();

  static {
    MODULES.put("config", List.of("cocaine.config..", "cocaine.model..", "cocaine.routing.."));
    MODULES.put("wire", List.of("cocaine.wire.."));
    MODULES.put("framework", List.of("cocaine.worker..", "cocaine.client.."));
    MODULES.put("streams", List.of("cocaine.rpc.."));
    MODULES.put("actors", List.of("cocaine.cluster..", "cocaine.gateway", "cocaine.gateway.adhoc..",
        "cocaine.gateway.userspace..",
        "cocaine.locator", "cocaine.logging..", "cocaine.node..", "cocaine.security..", "cocaine.storage..",
        "cocaine.tracing..", "cocaine.cache..", "cocaine.chrono..", "cocaine.uniresis..", "cocaine.urlfetch..",
        "cocaine.unicorn.."));
    MODULES.put("ipvs-native", List.of("cocaine.gateway.ipvs..", "cocaine.gateway.kernel..", "cocaine.gateway.nftables.."));
    MODULES.put("http-frontend", List.of("cocaine.admin..", "cocaine.metrics..", "cocaine.proxy..", "cocaine.tls.."));
    MODULES.put("runtime", List.of("cocaine.builder..", "cocaine.cli..", "cocaine.deploy..", "cocaine.runtime.."));
  }

  /** Which modules each module may use besides itself (ARCHITECTURE.md's table). */
  static final Map<String, List<String>> MAY_USE = Map.of(
      "config", List.of(),
      "wire", List.of(),
      "framework", List.of("wire"),
      "streams", List.of("config", "wire"),
      "actors", List.of("config", "wire", "streams"),
      "ipvs-native", List.of("config", "wire", "streams", "actors"),
      "http-frontend", List.of("config", "wire", "streams", "actors"),
      "runtime", List.of("config", "wire", "streams", "actors", "ipvs-native", "http-frontend", "framework"));

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("cocaine.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void eachModuleUsesOnlyTheModulesBelowIt() {
    for (String module : MODULES.keySet()) {
      List<String> forbidden = MODULES.keySet().stream()
          .filter(other -> !other.equals(module) && !MAY_USE.get(module).contains(other))
          .flatMap(other -> MODULES.get(other).stream()).toList();
      noClasses().that().resideInAnyPackage(MODULES.get(module).toArray(String[]::new))
          .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
          .as("module " + module + " uses only " + MAY_USE.get(module))
          .check(CLASSES);
    }
  }

  /** The RPC layers stack: transport (sockets, frames) < channel (channel states, feeds) < service. */
  @Test
  void rpcLayersUseOnlyTheLayersBelow() {
    noClasses().that().resideInAPackage("cocaine.rpc.transport..")
        .should().dependOnClassesThat().resideInAnyPackage("cocaine.rpc.channel..", "cocaine.rpc.service..")
        .check(CLASSES);
    noClasses().that().resideInAPackage("cocaine.rpc.channel..")
        .should().dependOnClassesThat().resideInAnyPackage("cocaine.rpc.service..")
        .check(CLASSES);
  }

  @Test
  void theWorkerSdkAndTheWireModuleNeedNoPekko() {
    noClasses().that().resideInAnyPackage("cocaine.wire..", "cocaine.worker..", "cocaine.client..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.pekko..", "scala..", "org.slf4j..")
        .check(CLASSES);
  }
}
