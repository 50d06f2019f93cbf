// Setup: per platform, the callback URL to paste into its console (Huawei registers through the admin
// API instead) and which credentials are set.
import { api } from "../api.js";
import { badge, h, notice } from "../dom.js";
import { providerName } from "../providers.js";

/** Yunhuni sends its token in the notify URL's query; the console never shows its value. */
const QUERY_HINT = { yunhuni: "?token=<the value of YUNHUNI_TOKEN>" };
/** Platforms that are told the URL through the admin API, never by pasting it. */
const REGISTERED = new Set(["huawei-meeting"]);

/**
 * Where platforms reach the relay: this page's origin when it is served over https from a real host,
 * else the pattern of the deployed Worker's (a platform cannot reach localhost, nor send to http://).
 */
export function publicOrigin(here = location) {
  const local = /^(localhost|127(?:\.\d+){3}|\[::1\]|0\.0\.0\.0)$/.test(here.hostname);
  return here.protocol === "https:" && !local ? here.origin : null;
}

export function setupView(root) {
  const body = h("div", { class: "grid wide" });
  root.append(
    h("h1", {}, "Setup"),
    h(
      "p",
      { class: "muted" },
      "Paste each callback URL into the platform's console. Credentials are shown as set or missing, never their values.",
    ),
    publicOrigin()
      ? null
      : h(
          "p",
          { class: "notice-local" },
          `This page is served from ${location.origin}, which no platform can reach. The URLs below are those of ` +
            "your deployed Worker: replace <your worker> with its host (for example meeting-relay.<account>.workers.dev, " +
            "shown by npm run deploy). Platforms only call https:// URLs.",
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
    accounts.map((account) => endpoint(id, `account ${account.name}`, account, account.name)),
  );
}

function endpoint(id, label, { path, configured, credentials = {} }, account) {
  const url = `${publicOrigin() ?? "https://<your worker>"}${path}${QUERY_HINT[id] ?? ""}`;
  const list = h(
    "ul",
    { class: "credentials" },
    Object.entries(credentials).map(([name, set]) =>
      h("li", {}, h("code", {}, name), " ", badge(set ? "set" : "not set", set ? "delivered" : "unset")),
    ),
  );
  if (REGISTERED.has(id)) {
    return h(
      "section",
      { class: "endpoint" },
      h("h3", {}, label, configured === false ? " (not configured)" : ""),
      huaweiLink(url, account),
      list,
    );
  }
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
    list,
  );
}

/**
 * Huawei Cloud Meeting is told where to push through its API (`POST /admin/huawei/link-config`), with
 * an accessToken from its App ID authentication (and the corpId or spId Huawei asks for, when given); the
 * token is sent once and never kept.
 */
function huaweiLink(url, account) {
  const accessToken = h("input", {
    type: "password",
    name: "accessToken",
    autocomplete: "off",
    placeholder: "accessToken",
    "aria-label": "Huawei accessToken",
  });
  // An enterprise's registration names its corpId, an SP's its spId (Huawei says which it needs); empty is left out.
  const optional = (name) =>
    h("input", {
      type: "text",
      name,
      autocomplete: "off",
      placeholder: `${name} (optional)`,
      "aria-label": `Huawei ${name}`,
    });
  const corpId = optional("corpId");
  const spId = optional("spId");
  const result = h("div", { role: "status" });
  const button = h("button", { type: "submit", class: "primary" }, "Register this relay with Huawei");
  const local = !publicOrigin();
  return h(
    "form",
    {
      class: "huawei-link",
      onsubmit: async (submit) => {
        submit.preventDefault();
        button.disabled = true;
        try {
          const path = `/admin/huawei/link-config${account ? `?account=${encodeURIComponent(account)}` : ""}`;
          const body = { accessToken: accessToken.value.trim() };
          for (const field of [corpId, spId]) if (field.value.trim() !== "") body[field.name] = field.value.trim();
          const answer = await api("POST", path, body);
          result.replaceChildren(notice(String(answer?.message ?? "Registered."), "ok"));
        } catch (error) {
          // Only a huawei_upstream_error is Huawei's answer; anything else is the relay's (or the network's).
          result.replaceChildren(
            notice(
              error.body?.code === "huawei_upstream_error"
                ? `Huawei refused: ${error.body.message ?? error.message}`
                : `Not registered: ${error.message}`,
            ),
          );
        } finally {
          accessToken.value = "";
          button.disabled = false;
        }
      },
    },
    h(
      "p",
      { class: "muted" },
      "Huawei is not given a URL to paste: the relay registers itself through Huawei's API, so that events are " +
        `pushed to ${url}.` +
        (local ? " Do this from the console of the deployed Worker (a local relay has no https:// address)." : ""),
    ),
    h("div", { class: "copy-row" }, accessToken, corpId, spId, button),
    result,
  );
}
