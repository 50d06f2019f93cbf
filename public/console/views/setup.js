// Setup: per platform, the callback URL to paste into its console and which credentials are set.
import { api } from "../api.js";
import { badge, h, notice } from "../dom.js";
import { providerName } from "../providers.js";

/** Yunhuni sends its token in the notify URL's query; the console never shows its value. */
const QUERY_HINT = { yunhuni: "?token=<the value of YUNHUNI_TOKEN>" };

export function setupView(root) {
  const body = h("div", { class: "grid wide" });
  root.append(
    h("h1", {}, "Setup"),
    h(
      "p",
      { class: "muted" },
      "Paste each callback URL into the platform's console. Credentials are shown as set or missing, never their values.",
    ),
    body,
  );
  (async () => {
    try {
      const { providers } = await api("GET", "/admin/providers");
      const entries = Array.isArray(providers)
        ? providers.map((item) => [item.provider ?? item.name, item])
        : Object.entries(providers);
      body.replaceChildren(...entries.map(([id, provider]) => providerCard(id, provider)));
    } catch (error) {
      body.replaceChildren(notice(`Could not load the platforms: ${error.message}`));
    }
  })();
}

function providerCard(id, provider) {
  const accounts = provider.accounts ?? [];
  return h(
    "article",
    { class: "card setup", "data-provider": id },
    h(
      "h2",
      {},
      providerName(id),
      " ",
      badge(provider.configured ? "configured" : "not configured", provider.configured ? "delivered" : "dead"),
    ),
    endpoint(id, "default account", provider),
    accounts.map((account) => endpoint(id, `account ${account.name}`, account)),
  );
}

function endpoint(id, label, { path, configured, credentials = {} }) {
  const url = `${location.origin}${path}${QUERY_HINT[id] ?? ""}`;
  const field = h("input", {
    class: "callback-url",
    readonly: true,
    value: url,
    "aria-label": `${label} callback URL`,
  });
  const copy = h("button", { type: "button" }, "Copy");
  copy.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(url);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy";
    }
  });
  return h(
    "section",
    { class: "endpoint" },
    h("h3", {}, label, configured === false ? " (not configured)" : ""),
    h("div", { class: "copy-row" }, field, copy),
    h(
      "ul",
      { class: "credentials" },
      Object.entries(credentials).map(([name, set]) =>
        h("li", {}, h("code", {}, name), " ", badge(set ? "set" : "not set", set ? "delivered" : "unset")),
      ),
    ),
  );
}
