import { compact } from "../../core/cloud-event";
import { isRecord } from "../../lib/json";
import { httpsUrl } from "../https-url";
import { text } from "../text-field";

/**
 * Where a recording file's item may carry its link, the playback page first. The events name files by
 * `record_file_id` (https://cloud.tencent.com/document/product/1095/53230); the address fields are those
 * Tencent's recording API gives a file (https://cloud.tencent.com/document/product/1095/51174).
 */
const URL_FIELDS = [
  "view_address",
  "meeting_record_url",
  "view_url",
  "download_address",
  "download_url",
  "audio_address",
  "url",
] as const;

/**
 * `data.recording` of an item: `files` from `recording_files[]` (recording.*, smart.transcripts,
 * smart.minutes, smart.fullsummary: https://cloud.tencent.com/document/product/1095/121282) and `id` from
 * `record_info.meeting_record_id` (recording.updated, https://cloud.tencent.com/document/product/1095/105653).
 * A signed callback is never refused for its shape: a value of the wrong kind is left out.
 */
export function recordingOf(item: Record<string, unknown>): Record<string, unknown> | undefined {
  const files = Array.isArray(item.recording_files) ? filesOf(item.recording_files) : [];
  const recording = compact({
    id: isRecord(item.record_info) ? text(item.record_info.meeting_record_id) : undefined,
    files: files.length > 0 ? files : undefined,
  });
  return Object.keys(recording).length > 0 ? recording : undefined;
}

/**
 * Each file as `{id, lang, url}` (each when present); an entry with neither an id nor a link is left out.
 * A plain loop: a callback may list thousands of files, and ingest has a few milliseconds of CPU.
 */
function filesOf(entries: unknown[]): Record<string, string>[] {
  const files: Record<string, string>[] = [];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const id = text(entry.record_file_id);
    const url = linkOf(entry);
    if (id === undefined && url === undefined) continue;
    const file: Record<string, string> = {};
    if (id !== undefined) file.id = id;
    const lang = text(entry.lang);
    if (lang !== undefined) file.lang = lang;
    if (url !== undefined) file.url = url;
    files.push(file);
  }
  return files;
}

function linkOf(file: Record<string, unknown>): string | undefined {
  for (const field of URL_FIELDS) {
    const value = file[field];
    if (typeof value !== "string") continue;
    const url = httpsUrl(value);
    if (url !== undefined) return url;
  }
  return undefined;
}
