import { parseArgs } from "node:util";
import { assert, assertEquals, assertStringIncludes } from "../../_assert.ts";
import { parseCommand, parseFlags, UsageError } from "../../../src/cli/args.ts";

/** The flags the cases parse against: every kind the commands use. */
const FLAGS = {
  port: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  profile: { type: "string", short: "p" },
  "allowed-host": { type: "string", multiple: true },
} as const;

interface Accepted {
  args: string[];
  positionals?: boolean;
  values: Record<string, unknown>;
  rest?: string[];
}

const ACCEPTED: [string, Accepted][] = [
  ["nothing", { args: [], values: {} }],
  ["--name value", { args: ["--port", "80"], values: { port: "80" } }],
  ["--name=value", { args: ["--port=80"], values: { port: "80" } }],
  ["--name= gives an empty value", { args: ["--port="], values: { port: "" } }],
  ["--name=value keeps a leading dash", {
    args: ["--port=-1"],
    values: { port: "-1" },
  }],
  ["--name=value keeps later '='", {
    args: ["--port=a=b"],
    values: { port: "a=b" },
  }],
  ["a lone '-' is a value", { args: ["--port", "-"], values: { port: "-" } }],
  ["a switch", { args: ["--quiet"], values: { quiet: true } }],
  ["a later repeat overrides", {
    args: ["--port", "1", "--port=2"],
    values: { port: "2" },
  }],
  ["multiple collects in order", {
    args: ["--allowed-host", "a", "--allowed-host=b", "--allowed-host", "c"],
    values: { "allowed-host": ["a", "b", "c"] },
  }],
  ["multiple given once is a list", {
    args: ["--allowed-host", "a"],
    values: { "allowed-host": ["a"] },
  }],
  ["-h", { args: ["-h"], values: { help: true } }],
  ["grouped switches -hv", {
    args: ["-hv"],
    values: { help: true, verbose: true },
  }],
  ["-p value", { args: ["-p", "x"], values: { profile: "x" } }],
  ["-pvalue", { args: ["-px"], values: { profile: "x" } }],
  ["-p-value keeps the dash", { args: ["-p-x"], values: { profile: "-x" } }],
  ["switches then a letter with its value: -hvpx", {
    args: ["-hvpx"],
    values: { help: true, verbose: true, profile: "x" },
  }],
  ["switches then a letter, value next: -hp x", {
    args: ["-hp", "x"],
    values: { help: true, profile: "x" },
  }],
  ["positionals where allowed", {
    args: ["a", "--quiet", "b"],
    positionals: true,
    values: { quiet: true },
    rest: ["a", "b"],
  }],
  ["a lone '-' is a positional", {
    args: ["-"],
    positionals: true,
    values: {},
    rest: ["-"],
  }],
  ["'--' ends the flags", {
    args: ["--quiet", "--", "--port", "-h", "--"],
    positionals: true,
    values: { quiet: true },
    rest: ["--port", "-h", "--"],
  }],
  ["a switch does not take the next argument", {
    args: ["--quiet", "x"],
    positionals: true,
    values: { quiet: true },
    rest: ["x"],
  }],
];

for (const [name, c] of ACCEPTED) {
  Deno.test(`parseFlags() accepts ${name}`, () => {
    const parsed = parseFlags(c.args, FLAGS, c.positionals ?? false);
    assertEquals(Object.getPrototypeOf(parsed.values), null);
    assertEquals({ ...parsed.values }, c.values);
    assertEquals(parsed.positionals, c.rest ?? []);
    // The same as node:util parseArgs in strict mode, which it replaces.
    const node = parseArgs({
      args: c.args,
      options: FLAGS,
      strict: true,
      allowPositionals: c.positionals ?? false,
    });
    assertEquals({ ...parsed.values }, { ...node.values });
    assertEquals(parsed.positionals, node.positionals);
  });
}

interface Refused {
  args: string[];
  positionals?: boolean;
  /** The one line, in full. */
  message: string;
}

const REFUSED: [string, Refused][] = [
  ["an unknown long flag", {
    args: ["--nope"],
    message:
      "Unknown option '--nope' (run the command with --help to see its options)",
  }],
  ["an unknown long flag with a value", {
    args: ["--nope=1"],
    message:
      "Unknown option '--nope' (run the command with --help to see its options)",
  }],
  ["an unknown letter", {
    args: ["-x"],
    message:
      "Unknown option '-x' (run the command with --help to see its options)",
  }],
  ["an unknown letter in a group", {
    args: ["-hx"],
    message:
      "Unknown option '-x' (run the command with --help to see its options)",
  }],
  ["an unknown flag even where positionals are allowed", {
    args: ["--nope"],
    positionals: true,
    message:
      "Unknown option '--nope' (run the command with --help to see its options)",
  }],
  ["a name of Object.prototype", {
    args: ["--constructor"],
    message:
      "Unknown option '--constructor' (run the command with --help to see its options)",
  }],
  ["a missing value at the end", {
    args: ["--port"],
    message: "Option '--port' needs a value: --port <value>",
  }],
  ["a missing value for a letter", {
    args: ["-hp"],
    message: "Option '-p' needs a value: -p <value>",
  }],
  ["a missing value for a multiple flag", {
    args: ["--allowed-host"],
    message: "Option '--allowed-host' needs a value: --allowed-host <value>",
  }],
  ["a value that looks like a flag", {
    args: ["--port", "--quiet"],
    message:
      "Option '--port' is followed by '--quiet', which looks like a flag: give its value first, or write --port=--quiet if '--quiet' is the value",
  }],
  ["a negative-looking value", {
    args: ["--port", "-1"],
    message:
      "Option '--port' is followed by '-1', which looks like a flag: give its value first, or write --port=-1 if '-1' is the value",
  }],
  ["a letter's value that looks like a flag", {
    args: ["-p", "-h"],
    message:
      "Option '-p' is followed by '-h', which looks like a flag: give its value first, or write --profile=-h if '-h' is the value",
  }],
  ["a value given to a switch", {
    args: ["--quiet=yes"],
    message: "Option '--quiet' does not take a value",
  }],
  ["an empty value given to a switch", {
    args: ["--help="],
    message: "Option '--help' does not take a value",
  }],
  ["a positional", {
    args: ["pos"],
    message:
      "Unexpected argument 'pos': this command takes no positional arguments",
  }],
  ["a lone '-' where positionals are not allowed", {
    args: ["-"],
    message:
      "Unexpected argument '-': this command takes no positional arguments",
  }],
  ["positionals after '--' where none are allowed", {
    args: ["--", "x"],
    message:
      "Unexpected argument 'x': this command takes no positional arguments",
  }],
];

for (const [name, c] of REFUSED) {
  Deno.test(`parseFlags() refuses ${name}`, () => {
    let error: unknown;
    try {
      parseFlags(c.args, FLAGS, c.positionals ?? false);
    } catch (e) {
      error = e;
    }
    assert(error instanceof UsageError, `a UsageError, got ${error}`);
    assertEquals(error.message, c.message);
    // node:util parseArgs refused these too.
    let nodeError: unknown;
    try {
      parseArgs({
        args: c.args,
        options: FLAGS,
        strict: true,
        allowPositionals: c.positionals ?? false,
      });
    } catch (e) {
      nodeError = e;
    }
    assert(nodeError instanceof TypeError, `node refuses ${c.args}`);
  });
}

Deno.test("parseCommand() prints the help for -h and --help and returns undefined", () => {
  for (const args of [["-h"], ["--help"], ["--port", "1", "-h"]]) {
    const lines: string[] = [];
    const parsed = parseCommand(args, { port: { type: "string" } }, {
      help: "Usage: x",
      out: (line) => lines.push(line),
    });
    assertEquals(parsed, undefined);
    assertEquals(lines, ["Usage: x"]);
  }
  const lines: string[] = [];
  const parsed = parseCommand(["--port", "1"], { port: { type: "string" } }, {
    help: "Usage: x",
    out: (line) => lines.push(line),
  });
  assertEquals(parsed?.values.port, "1");
  assertEquals(lines, []);
});

Deno.test("parseCommand() refuses positionals unless the command takes them", () => {
  const out = () => {};
  let error: unknown;
  try {
    parseCommand(["a"], {}, { help: "", out });
  } catch (e) {
    error = e;
  }
  assert(error instanceof UsageError, `a UsageError, got ${error}`);
  assertStringIncludes(error.message, "'a'");
  const parsed = parseCommand(["a", "b"], {}, {
    help: "",
    out,
    positionals: true,
  });
  assertEquals(parsed?.positionals, ["a", "b"]);
});
