package cocaine.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One in-process run of the command tree, with what it printed to stdout and stderr. */
record CliRun(int exit, String out, String err) {
  static CliRun of(ExitCodes codes, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Cocaine.commandLine(codes);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  static CliRun of(String... args) {
    return of(ExitCodes.COCAINE, args);
  }

  @Override
  public String toString() {
    return "exit " + exit + "\nout:\n" + out + "\nerr:\n" + err;
  }
}
