import { assert, assertEquals } from "./_assert.ts";
import { LONGEST, orderedTestFiles } from "./_order.ts";

Deno.test("the test order lists every test file once, the longest first, and each of them exists", async () => {
  const files = await orderedTestFiles();
  assertEquals(new Set(files).size, files.length);
  assertEquals(files.slice(0, LONGEST.length), LONGEST);
  assert(files.includes("tests/order_test.ts"), files.join("\n"));
  const rest = files.slice(LONGEST.length);
  assertEquals(rest, [...rest].sort());
  for (const path of files) assert((await Deno.stat(path)).isFile, path);
});
