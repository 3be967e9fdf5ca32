// The worker of @resonatehq/sdk 0.11.5's README ("3. Write your first Resonate
// Function", the generator version), as written there, in JavaScript: the
// README's TypeScript without the type annotations. Two changes a test needs:
// the Node 20 polyfill is imported first, and the URL comes from RESONATE_URL
// (the test's server listens on a free port; the README's is the default).
import "./polyfill.mjs";
import { Resonate } from "@resonatehq/sdk";

function* countdown(context, count, delay) {
  for (let i = count; i > 0; i--) {
    // Run a function, persist its result
    yield* context.run((context) => console.log(`Countdown: ${i}`));
    // Sleep
    yield* context.sleep(delay * 1000);
  }
  console.log("Done!");
}
// Instantiate Resonate
const resonate = new Resonate({ url: process.env.RESONATE_URL ?? "http://localhost:8001" });
// Register the function
resonate.register(countdown);
