package cocaine.cli;

/**
 * What a command line exits with when it fails: {@code bin/cocaine}'s codes, or the original
 * {@code cocaine-tool}'s for scripts that test them (docs/migration.md, "cocaine-tool").
 *
 * @param failure the service or the network said no
 * @param badValue an argument's value is wrong (bad JSON, a missing file, ...)
 * @param usage the command line does not parse (unknown option, missing argument)
 */
record ExitCodes(int failure, int badValue, int usage) {
  /** {@code bin/cocaine}: 1, 2, 2. */
  static final ExitCodes COCAINE = new ExitCodes(1, 2, 2);
  /** The original {@code cocaine-tool}: 128 for tool and service errors, EINVAL (22) for bad values, click's 2 for usage. */
  static final ExitCodes COCAINE_TOOL = new ExitCodes(128, 22, 2);
}
