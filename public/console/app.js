// The console's entry: sign-in, navigation between views, and their refresh timers.
import { api, token, whenUnauthorized } from "./api.js";
import { showBanner } from "./banner.js";
import { h } from "./dom.js";
import { deadLettersView } from "./views/dead-letters.js";
import { eventView } from "./views/event.js";
import { eventsView } from "./views/events.js";
import { overviewView } from "./views/overview.js";
import { setupView } from "./views/setup.js";
import { targetsView } from "./views/targets.js";

/** Each view gets its path's captures, then the hash's query (`#/events?provider=yunhuni`) as URLSearchParams. */
const ROUTES = [
  [/^#\/overview$/, overviewView],
  [/^#\/events$/, eventsView],
  [/^#\/events\/([^?]+)$/, eventView],
  [/^#\/dead-letters$/, deadLettersView],
  [/^#\/targets$/, targetsView],
  [/^#\/setup$/, setupView],
];

const view = document.getElementById("view");
const signIn = document.getElementById("sign-in");
const nav = document.getElementById("nav");
const signOut = document.getElementById("sign-out");
const banner = document.getElementById("banner");
let stopCurrent = () => {};
let stopBanner = () => {};

function showSignIn(message = "") {
  stopCurrent();
  stopCurrent = () => {};
  stopBanner();
  stopBanner = () => {};
  banner.replaceChildren();
  banner.hidden = true;
  view.replaceChildren();
  nav.hidden = true;
  signOut.hidden = true;
  signIn.hidden = false;
  document.getElementById("sign-in-error").textContent = message;
  document.getElementById("token").focus();
}

function showRoute() {
  if (!token.get()) return showSignIn();
  signIn.hidden = true;
  nav.hidden = false;
  signOut.hidden = false;
  const hash = location.hash || "#/overview";
  const [path, query = ""] = hash.split(/\?(.*)/s);
  stopCurrent();
  stopCurrent = () => {};
  stopBanner();
  // On every view: whether the targets document is invalid and deliveries wait for it.
  stopBanner = showBanner(banner);
  for (const link of nav.querySelectorAll("a")) {
    link.classList.toggle("active", path.startsWith(link.getAttribute("href")));
  }
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      const section = h("div", { class: "page" });
      view.replaceChildren(section);
      const params = new URLSearchParams(query);
      stopCurrent = render(section, ...match.slice(1).map(decodeURIComponent), params) ?? (() => {});
      return;
    }
  }
  location.hash = "#/overview";
}

signIn.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const input = document.getElementById("token");
  token.set(input.value.trim());
  input.value = "";
  try {
    await api("GET", "/admin/targets");
    showRoute();
  } catch (error) {
    token.clear();
    const message =
      error.status === 401
        ? "That token was refused."
        : error.status === 503
          ? `The admin API is off: ${error.message}`
          : error.status
            ? `The relay answered ${error.status}: ${error.message}`
            : `The relay could not be reached: ${error.message}`;
    showSignIn(message);
  }
});

signOut.addEventListener("click", () => {
  token.clear();
  showSignIn();
});

whenUnauthorized(() => {
  token.clear();
  showSignIn("The relay refused the token (was ADMIN_TOKEN changed?). Sign in again.");
});

window.addEventListener("hashchange", showRoute);
showRoute();
