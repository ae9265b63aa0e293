package cocaine.gateway.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The IPVS gateway against a real IPVS: {@link IpvsProbe} runs in a qemu VM booted with Debian's
 * cloud kernel (scripts/ipvs-qemu.sh), and the table it leaves is read back with ipvsadm.
 */
@Tag("ipvs")
class IpvsGatewayIT {
  static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolve("../scripts/ipvs-qemu.sh").normalize();

  @Test
  void theGatewayProgramsVirtualServicesAndMasqueradingRealsInTheKernel() throws Exception {
    for (String tool : List.of("/usr/bin/qemu-system-x86_64", "/usr/sbin/ipvsadm")) {
      assumeTrue(Files.isExecutable(Path.of(tool)), tool + " missing (apt-get install -y qemu-system-x86 ipvsadm"
          + " busybox-static); IPVS VM test skipped");
    }
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path work = Path.of(System.getProperty("user.dir"), "target", "ipvs-vm");
    // The console goes to a file, not a pipe: a VM that never stops cannot block the test.
    Files.createDirectories(work);
    Path log = work.resolve("console.log");
    Process p = new ProcessBuilder("bash", SCRIPT.toString(), work.toString(), classpath, IpvsProbe.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean stopped = p.waitFor(15, TimeUnit.MINUTES);
    if (!stopped) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    String console = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    assertTrue(stopped, "the VM did not stop within 15 minutes:\n" + console);
    assumeTrue(p.exitValue() != 3, "IPVS VM test skipped: " + console.strip());
    assertEquals(0, p.exitValue(), console);
    assertTrue(console.contains("PROBE-EXIT 0"), console);
    String table = console.substring(console.indexOf("IPVSADM-START"), console.indexOf("IPVSADM-END"));
    assertTrue(table.matches("(?s).*TCP\\s+10\\.99\\.0\\.1:30000 wlc\\s*\\n"
        + "\\s+-> 10\\.99\\.0\\.2:5000\\s+Masq\\s+1.*\\n"
        + "\\s+-> 10\\.99\\.0\\.3:5001\\s+Masq\\s+1.*"), table);
    assertFalse(table.contains("10.99.0.4"), "node-c's real was removed: " + table);
    assertFalse(table.contains(":30001"), "app 'gone' was removed: " + table);
  }
}
