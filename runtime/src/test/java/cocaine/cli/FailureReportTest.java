package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A failed command says what went wrong, where, and what to do next. */
class FailureReportTest {
  @Test
  void noRuntimeAtTheLocatorSaysWhereAndHowToStartOne() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CliRun r = CliRun.of("app", "list", "--host", "127.0.0.1", "--port", "" + closed);
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().startsWith("cocaine: no runtime at 127.0.0.1:" + closed + " (Connection refused): start one with"
        + " scripts/quickstart.sh, or point at a running one with --host/--port"), r.toString());
  }

  @Test
  void anUnknownHostSaysWhichOptionToCheck() {
    CommandLine cmd = parsed("app", "list", "--host", "nosuch.invalid");
    String m = FailureReport.explain(new IOException("cannot connect to nosuch.invalid:10053: nosuch.invalid",
        new UnknownHostException("nosuch.invalid")), cmd);
    assertTrue(m.startsWith("cannot resolve the locator host 'nosuch.invalid': check --host"), m);
  }

  @Test
  void aMissingObjectPointsAtTheListOfItsGroup() {
    String m = FailureReport.explain(new CocaineException(ErrorCode.NOT_FOUND, "profiles/nope: no such object"),
        parsed("profile", "view", "-n", "nope"));
    assertEquals("error " + ErrorCode.NOT_FOUND + ": profiles/nope: no such object; 'cocaine profile list' shows what"
        + " there is", m);
  }

  @Test
  void anAppNobodyPublishesPointsAtInfoAndStartAndAMissingPlatformServiceAtTheAddress() {
    String app = FailureReport.explain(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE,
        "service 'echo' is not available"), parsed("call", "echo", "ping"));
    assertTrue(app.endsWith("'cocaine info' lists the apps that run, 'cocaine app start -n NAME -r PROFILE' starts one"),
        app);
    String storage = FailureReport.explain(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE,
        "service 'storage' is not available"), parsed("app", "list", "--port", "7000"));
    assertTrue(storage.contains("the runtime at localhost:7000 does not run it"), storage);
  }

  @Test
  void aLateAnswerAndAWrongTokenSayWhatToChange() {
    String late = FailureReport.explain(new CocaineException(ErrorCode.TIMEOUT, "node.list got no reply within 20000 ms"),
        parsed("app", "list"));
    assertTrue(late.endsWith("retry, or wait longer with --timeout 60s"), late);
    String wrong = FailureReport.explain(new CocaineException(ErrorCode.UNAUTHORIZED, "storage.write refused"),
        parsed("app", "list"));
    assertTrue(wrong.contains("secure.token in ~/.cocaine/tools.yml"), wrong);
  }

  @Test
  void aServiceWhoseEndpointsRefuseIsNotMistakenForAMissingRuntime() {
    IOException e = new IOException("service 'echo': no endpoint of [127.0.0.1:1] accepts connections (last: refused)",
        new IOException("cannot connect to localhost:10053: Connection refused", new ConnectException("Connection refused")));
    String m = FailureReport.explain(e, parsed("call", "echo", "ping"));
    assertTrue(m.startsWith("service 'echo': no endpoint") && m.contains("retry in a moment"), m);
  }

  /** The command line of {@code args}, as the execution handler receives it. */
  private static CommandLine parsed(String... args) {
    CommandLine.ParseResult r = Cocaine.commandLine(ExitCodes.COCAINE).parseArgs(args);
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return r.commandSpec().commandLine();
  }
}
