import { assertEquals, assertStringIncludes } from "../../_assert.ts";
import { ValidationError } from "../../../src/errors.ts";
import {
  parseSearchQuery,
  searchTime,
  toResult,
} from "../../../src/hub/search.ts";
import { toFts5 } from "../../../src/store/sqlite/search.ts";
import { MARK_END, MARK_START } from "../../../src/store/search_types.ts";

function refusal(text: string): string {
  try {
    parseSearchQuery(text);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}

Deno.test("parseSearchQuery() reads words, phrases, prefixes, exclusions and OR", () => {
  assertEquals(
    parseSearchQuery('deploy "build failed" auth* -flaky OR zebra'),
    {
      groups: [
        {
          all: [
            { text: "deploy", prefix: false },
            { text: "build failed", prefix: false },
            { text: "auth", prefix: true },
          ],
          none: [{ text: "flaky", prefix: false }],
        },
        { all: [{ text: "zebra", prefix: false }], none: [] },
      ],
    },
  );
  // Lower-case "or" is a word; engine syntax stays text; wordless terms drop out.
  assertEquals(parseSearchQuery("this or that && NEAR(x)"), {
    groups: [{
      all: [
        { text: "this", prefix: false },
        { text: "or", prefix: false },
        { text: "that", prefix: false },
        { text: "NEAR(x)", prefix: false },
      ],
      none: [],
    }],
  });
});

Deno.test("parseSearchQuery() refuses what cannot be searched, saying why", () => {
  assertStringIncludes(refusal(""), "required");
  assertStringIncludes(refusal("  "), "required");
  assertStringIncludes(refusal('"open'), "unterminated quote");
  assertStringIncludes(refusal("a OR"), "OR");
  assertStringIncludes(refusal("OR a"), "OR");
  assertStringIncludes(refusal("a OR OR b"), "OR");
  assertStringIncludes(refusal("-a -b"), "not excluded");
  assertStringIncludes(refusal("a OR -b"), "not excluded");
  assertStringIncludes(refusal("!! ?? --"), "no words");
  assertStringIncludes(refusal("x".repeat(1001)), "too long");
  assertStringIncludes(
    refusal(Array.from({ length: 33 }, (_, i) => `w${i}`).join(" ")),
    "too many terms",
  );
});

Deno.test("toFts5() quotes every term, so user text is never FTS5 syntax", () => {
  assertEquals(
    toFts5(parseSearchQuery('say "he said" it\'s pre"quote NEAR* -x')),
    '(("say" AND "he said" AND "it\'s" AND "pre""quote" AND "NEAR"*) NOT ("x"))',
  );
});

Deno.test("toResult() turns the marked snippet into text and ranges", () => {
  const message = {
    id: 1,
    ts: "2026-04-14T17:00:00Z",
    from_agent: "a",
    to_agent: null,
    channel: "general",
    kind: "chat",
    body: "b",
    attachments: [],
    reply_to: null,
    thread_id: null,
    metadata: {},
  };
  const result = toResult({
    message,
    score: 2,
    snippet: `a ${MARK_START}bird${MARK_END} and a ${MARK_START}bee${MARK_END}`,
  });
  assertEquals(result.arcdeno, {
    score: 2,
    snippet: "a bird and a bee",
    highlights: [[2, 6], [13, 16]],
  });
  assertEquals(result.id, 1);
});

Deno.test("searchTime() reads RFC 3339 times and bare dates, UTC when no zone is given", () => {
  assertEquals(searchTime("2026-04-14", "since"), "2026-04-14T00:00:00Z");
  assertEquals(searchTime("2026-04-14T17:05", "since"), "2026-04-14T17:05:00Z");
  assertEquals(
    searchTime("2026-04-14T17:05:09.75Z", "since"),
    "2026-04-14T17:05:09Z",
  );
  assertEquals(
    searchTime("2026-04-14T19:05:09+02:00", "since"),
    "2026-04-14T17:05:09Z",
  );
  assertEquals(
    searchTime("2026-04-14 19:05:09+0200", "until"),
    "2026-04-14T17:05:09Z",
  );
  assertEquals(searchTime(undefined, "since"), undefined);
  for (
    const bad of ["yesterday", "2026-13-45", "1713114000", "2026-04-14T25:00Z"]
  ) {
    let refused = false;
    try {
      searchTime(bad, "since");
    } catch (error) {
      refused = error instanceof ValidationError;
    }
    assertEquals(refused, true, bad);
  }
});
