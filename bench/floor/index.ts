/**
 * The floor: a Worker that only answers 200. Run under the same runtime and the
 * same `wrangler dev` flags as the relay, it is what the relay's ingest is measured against.
 */
export default {
  fetch(): Response {
    return new Response("ok");
  },
};
