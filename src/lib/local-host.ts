/**
 * Whether a URL points at this machine by the names a local stand-in uses: plain `http://` is allowed
 * only for these, and only with `ALLOW_INSECURE_TARGETS=true` (targets and `HUAWEI_MEETING_API_BASE`).
 */
export function isLocalHost(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1";
}
